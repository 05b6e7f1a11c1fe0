"""A fictional referral for demos, the benchmark and tests.

Every name, date and number here is invented. Callers may swap in the child's name and one fact
so tests can plant canary strings and search for them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sharing.packet_content import (
    ChildIdentity,
    ChronologyEntry,
    ConsentStatus,
    Fact,
    HouseholdMember,
    LawfulBasis,
    PacketContent,
    Professional,
    Referrer,
    Risk,
)


def example_packet_content(
    *,
    packet_id: str = "3f1c2d9e-5b7a-4c21-9d0e-0a1b2c3d4e5f",
    referral_id: str = "8a9b0c1d-2e3f-4a5b-8c7d-6e5f4a3b2c1d",
    recipient_id: str = "agency-mash-northshire",
    recipient_name: str = "Northshire MASH",
    child_name: str = "Alex Example",
    fact: str = "At 08:40 Alex arrived with a bruise on the left forearm.",
    issued_at: datetime | None = None,
    urgent: bool = True,
) -> PacketContent:
    """A complete, fictional referral carrying every field a packet can hold."""
    return PacketContent(
        packet_id=packet_id,
        referral_id=referral_id,
        recipient_id=recipient_id,
        recipient_name=recipient_name,
        school="Northshire Primary School",
        issued_at=issued_at or datetime(2025, 3, 4, 10, 15, tzinfo=UTC),
        urgent=urgent,
        purpose="Referral for a child protection assessment.",
        consent=ConsentStatus(status="not-sought", from_whom=None, reason="risk-to-child"),
        lawful_basis=LawfulBasis(
            article6="public-task",
            article9="safeguarding",
            justification="Seeking consent would place the child at risk of further harm.",
        ),
        category="physical-abuse",
        facts=(
            Fact(fact),
            Fact("Alex said: 'Dad grabbed me when I dropped the plate.'"),
            Fact("A bruise on the same arm was recorded in 2023.", historical=True),
        ),
        opinion="The class teacher thinks Alex seemed frightened to go home.",
        observed_at=datetime(2025, 3, 4, 8, 40, tzinfo=UTC),
        risk=Risk(
            immediate_risk=True,
            crime_suspected=True,
            reasoning="A disclosure of assault by a parent the child returns to tonight.",
        ),
        child=ChildIdentity(
            name=child_name,
            dob=date(2016, 5, 17),
            address="1 Example Row, Northshire, NS1 2AB",
            school="Northshire Primary School",
            upn="A123456789012",
            nhs_number="999 000 0000",
        ),
        household=(
            HouseholdMember("Sam Example", "father"),
            HouseholdMember("Jo Example", "mother", note="works nights"),
        ),
        referrer=Referrer("Pat Teacher", "Designated Safeguarding Lead", "dsl@example.sch.uk"),
        professionals=(Professional("Dr Lee", "GP", "Northshire Surgery"),),
        actions_taken=("Body map completed.", "Child kept in school with a trusted adult."),
        chronology=(
            ChronologyEntry(date(2023, 11, 2), "Bruise on left arm recorded; no disclosure."),
            ChronologyEntry(date(2025, 3, 4), "Disclosure of assault by father."),
        ),
    )
