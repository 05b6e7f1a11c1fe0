"""What can happen to a concern, in the past tense: the events its record is made of.

Each declares a stable `TOPIC` (`domain.topics`): the topic, not the class name or module,
is what is stored, so moving these classes out of `domain.concern` orphaned nothing. Fields
added later have defaults, so events stored before them still decode.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.sealed import Sealed


class Raised(Aggregate.Created):
    TOPIC = "safeshare:concern:raised"
    child_id: UUID
    category: str
    facts: Sealed
    opinion: Sealed | None
    observed_at: datetime
    immediate_risk: bool
    crime_suspected: bool
    raised_by: str


class AdviceSought(Aggregate.Event):
    TOPIC = "safeshare:concern:advice-sought"
    from_whom: Sealed | str
    """Sealed with the child's key (plain text only in events stored before it was)."""
    question: Sealed
    answer: Sealed | None
    sought_by: str
    child_identified: bool = False
    identified_reason: Sealed | None = None


class ConsentRecorded(Aggregate.Event):
    TOPIC = "safeshare:concern:consent-recorded"
    status: str
    from_whom: str | None
    scope: list[str]
    not_sought_reason: str | None
    note: Sealed | None
    recorded_by: str
    delay_harm: Sealed | None = None


class FactsAmended(Aggregate.Event):
    TOPIC = "safeshare:concern:facts-amended"
    kind: str
    text: Sealed
    reason: Sealed
    recorded_by: str


class LawfulBasisRecorded(Aggregate.Event):
    TOPIC = "safeshare:concern:lawful-basis-recorded"
    article6: str
    article9: str | None
    justification: Sealed
    recorded_by: str
    no_special_category_data: Sealed | None = None


class SharingDecided(Aggregate.Event):
    TOPIC = "safeshare:concern:sharing-decided"
    decision_no: int
    share: bool
    purpose: Sealed | None
    reasons: Sealed
    decided_at_step: str
    path: list[str]
    identifiable: bool
    recipients: list[dict[str, Any]]
    police_not_told_reason: Sealed | None
    decided_by: str
    redacted_facts: Sealed | None = None
    redacted_opinion: Sealed | None = None


class AllegationRecorded(Aggregate.Event):
    TOPIC = "safeshare:concern:allegation-recorded"
    subject: Sealed
    subject_account: str
    about_headteacher: bool
    case_manager_role: str
    case_manager: str
    restricted_from: list[str]
    recorded_by: str


class RestrictedCaseOpened(Aggregate.Event):
    TOPIC = "safeshare:concern:restricted-case-opened"
    viewer: str
    reason: Sealed


class TransferredIn(Aggregate.Event):
    TOPIC = "safeshare:concern:transferred-in"
    from_school: str
    transferred_on: date
    packet_id: str
    recorded_by: str


class FamilyInformed(Aggregate.Event):
    TOPIC = "safeshare:concern:family-informed"
    informed: bool
    reason: Sealed | None
    recorded_by: str


class FamilyToldAtOutset(Aggregate.Event):
    TOPIC = "safeshare:concern:family-told-at-outset"
    told: bool
    account: Sealed | None
    reason: Sealed | None
    recorded_by: str


class RetentionReviewed(Aggregate.Event):
    TOPIC = "safeshare:concern:retention-reviewed"
    outcome: str
    reason: Sealed | str
    """Sealed with the child's key (plain text only in events stored before it was)."""
    next_review: date | None
    reviewed_by: str


class DetailsRecorded(Aggregate.Event):
    """What the raiser adds beside facts and opinion: the child's own words, where, who else
    was present, the body-map marks, and the account that raised it."""

    TOPIC = "safeshare:concern:details-recorded"
    child_words: Sealed | None
    location: Sealed | None
    others_present: Sealed | None
    body_marks: list[dict[str, Any]]
    raised_by_account: str | None
    recorded_by: str


class ChildDataErased(Aggregate.Event):
    TOPIC = "safeshare:concern:child-data-erased"
    erased_by: str


class Closed(Aggregate.Event):
    TOPIC = "safeshare:concern:closed"
    reason: Sealed | str
    """Sealed with the child's key (plain text only in events stored before it was)."""
    closed_by: str
