"""The vocabulary of what a referral packet may carry.

A sharing decision names, for each recipient, which of these fields it receives (policy,
"Necessary and proportionate": "Not sharing more data than is necessary to be of use").
"""

from __future__ import annotations

from enum import StrEnum


class PacketField(StrEnum):
    """One field a referral packet can carry; the value is the stable code used everywhere."""

    CHILD_NAME = "child-name"
    CHILD_DOB = "child-dob"
    CHILD_ADDRESS = "child-address"
    CHILD_SCHOOL = "child-school"
    CHILD_UPN = "child-upn"
    CHILD_NHS_NUMBER = "child-nhs-number"
    HOUSEHOLD = "household"
    REFERRER = "referrer"
    CONSENT = "consent"
    LAWFUL_BASIS = "lawful-basis"
    CATEGORY = "category"
    FACTS = "facts"
    OPINION = "opinion"
    OBSERVED_AT = "observed-at"
    RISK = "risk"
    PROFESSIONALS = "professionals"
    ACTIONS_TAKEN = "actions-taken"
    CHRONOLOGY = "chronology"
    ALLEGATION = "allegation"


IDENTIFYING_FIELDS: frozenset[PacketField] = frozenset(
    {
        PacketField.CHILD_NAME,
        PacketField.CHILD_DOB,
        PacketField.CHILD_ADDRESS,
        PacketField.CHILD_UPN,
        PacketField.CHILD_NHS_NUMBER,
        PacketField.HOUSEHOLD,
    }
)
"""Fields that "enable an individual to be identified" (the flowchart's third question)."""
