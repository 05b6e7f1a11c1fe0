"""The child: the data subject, known inside safeshare only by a random id.

Identity (name, date of birth, address, UPN, NHS number) is personal data: it reaches this
aggregate already sealed with the child's own key, and erasure destroys that key.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.codes import Relationship, RetentionOutcome
from domain.copying import CheapCopy
from domain.errors import ChildErased, InvalidValue
from domain.people import Person, check_parental_responsibility_fits
from domain.policy import check_retention_review_complete
from domain.sealed import Sealed
from domain.topics import stable_topics


class Child(CheapCopy, Aggregate):
    """A child about whom the school keeps safeguarding records."""

    class Registered(Aggregate.Created):
        TOPIC = "safeshare:child:registered"
        name: Sealed
        date_of_birth: Sealed
        upn: Sealed | None
        nhs_number: Sealed | None
        address: Sealed | None
        registered_by: str

    class PersonRecorded(Aggregate.Event):
        TOPIC = "safeshare:child:person-recorded"
        person_id: str
        relationship: str
        name: Sealed
        parental_responsibility: bool
        lives_with_child: bool
        organisation: Sealed | None
        contact: Sealed | None
        note: Sealed | None
        recorded_by: str

    class PersonRemoved(Aggregate.Event):
        TOPIC = "safeshare:child:person-removed"
        person_id: str
        reason: Sealed | str
        """Sealed with the child's key (plain only in events stored before it was)."""
        recorded_by: str

    class RetentionReviewDue(Aggregate.Event):
        TOPIC = "safeshare:child:retention-review-due"
        noted_by: str

    class RetentionReviewed(Aggregate.Event):
        TOPIC = "safeshare:child:retention-reviewed"
        outcome: str
        reason: Sealed | str
        """Sealed with the child's key (plain only in events stored before it was)."""
        next_review: date | None
        reviewed_by: str

    class LeftRoll(Aggregate.Event):
        """The pupil is no longer on the MIS roll (a roll import without them). With a
        child-protection file held, the file must follow the child: the transfer task opens
        (KCSIE: within 5 school days)."""

        TOPIC = "safeshare:child:left-roll"
        left_at: datetime
        has_file: bool
        recorded_by: str

    class ReturnedToRoll(Aggregate.Event):
        TOPIC = "safeshare:child:returned-to-roll"
        recorded_by: str

    class Erased(Aggregate.Event):
        TOPIC = "safeshare:child:erased"
        reason: str
        erased_by: str

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        name: Sealed,
        date_of_birth: Sealed,
        upn: Sealed | None,
        nhs_number: Sealed | None,
        address: Sealed | None,
        registered_by: str,
    ) -> None:
        self.name: Sealed | None = name
        self.date_of_birth: Sealed | None = date_of_birth
        self.upn = upn
        self.nhs_number = nhs_number
        self.address = address
        self.registered_by = registered_by
        self.erased = False
        self.people: dict[str, Person] = {}
        self.retention_review_due = False
        self.retention_next_review: date | None = None
        self.retention_outcome: RetentionOutcome | None = None
        self.on_roll = True

    def note_retention_review_due(self, noted_by: str) -> None:
        """Principle Record: "there should be a review process scheduled at regular
        intervals". The sweep that opened the date of birth in memory records only that the
        review fell due, never the date."""
        self.check_not_erased()
        if not self.retention_review_due:
            self._retention_review_due(noted_by=noted_by)

    @event(RetentionReviewDue)
    def _retention_review_due(self, noted_by: str) -> None:
        self.retention_review_due = True

    def review_retention(
        self,
        outcome: RetentionOutcome,
        reason: Sealed | str,
        next_review: date | None,
        reviewed_by: str,
    ) -> None:
        """Principle Record: "The information should not be kept any longer than is
        necessary": the child's file is kept until a set next review, or erased (the
        application then destroys the child's key and records the erasure)."""
        self.check_not_erased()
        check_retention_review_complete(outcome, reason, next_review)
        self._retention_reviewed(
            outcome=outcome.value, reason=reason, next_review=next_review, reviewed_by=reviewed_by
        )

    @event(RetentionReviewed)
    def _retention_reviewed(
        self, outcome: str, reason: Sealed | str, next_review: date | None, reviewed_by: str
    ) -> None:
        self.retention_outcome = RetentionOutcome(outcome)
        self.retention_next_review = next_review
        self.retention_review_due = False

    def record_person(
        self,
        person_id: str,
        relationship: Relationship,
        name: Sealed,
        recorded_by: str,
        parental_responsibility: bool = False,
        lives_with_child: bool = False,
        organisation: Sealed | None = None,
        contact: Sealed | None = None,
        note: Sealed | None = None,
    ) -> None:
        """A parent, carer, member of the household, sibling or professional around the child,
        sealed with the child's key (DESIGN.md: the packet carries "household and significant
        adults ... other professionals involved")."""
        self.check_not_erased()
        check_parental_responsibility_fits(relationship, parental_responsibility)
        self._person_recorded(
            person_id=person_id,
            relationship=relationship.value,
            name=name,
            parental_responsibility=parental_responsibility,
            lives_with_child=lives_with_child,
            organisation=organisation,
            contact=contact,
            note=note,
            recorded_by=recorded_by,
        )

    @event(PersonRecorded)
    def _person_recorded(
        self,
        person_id: str,
        relationship: str,
        name: Sealed,
        parental_responsibility: bool,
        lives_with_child: bool,
        organisation: Sealed | None,
        contact: Sealed | None,
        note: Sealed | None,
        recorded_by: str,
    ) -> None:
        self.people[person_id] = Person(
            person_id,
            Relationship(relationship),
            name,
            parental_responsibility,
            lives_with_child,
            organisation,
            contact,
            note,
            recorded_by,
        )

    def remove_person(self, person_id: str, reason: Sealed | str, recorded_by: str) -> None:
        """Someone no longer around the child (moved out, case closed); the record keeps that
        they were."""
        self.check_not_erased()
        if person_id not in self.people:
            raise InvalidValue("person", f"no person {person_id} is recorded for this child")
        self._person_removed(person_id=person_id, reason=reason, recorded_by=recorded_by)

    @event(PersonRemoved)
    def _person_removed(self, person_id: str, reason: Sealed | str, recorded_by: str) -> None:
        self.people.pop(person_id, None)

    def leave_roll(self, left_at: datetime, has_file: bool, recorded_by: str) -> bool:
        """Recorded once each time the pupil leaves the roll; returns whether it was new."""
        if self.erased or not self.on_roll:
            return False
        self._left_roll(left_at=left_at, has_file=has_file, recorded_by=recorded_by)
        return True

    @event(LeftRoll)
    def _left_roll(self, left_at: datetime, has_file: bool, recorded_by: str) -> None:
        self.on_roll = False

    def return_to_roll(self, recorded_by: str) -> bool:
        if self.erased or self.on_roll:
            return False
        self._returned(recorded_by=recorded_by)
        return True

    @event(ReturnedToRoll)
    def _returned(self, recorded_by: str) -> None:
        self.on_roll = True

    def erase(self, reason: str, erased_by: str) -> None:
        """Erasure: the child's data key is destroyed by the application; this records it."""
        self.check_not_erased()
        self._erased(reason=reason, erased_by=erased_by)

    @event(Erased)
    def _erased(self, reason: str, erased_by: str) -> None:
        self.erased = True
        self.erasure_reason = reason
        self.erased_by = erased_by

    def check_not_erased(self) -> None:
        """Design: after erasure "the fact that a record existed ... remain[s]", nothing more."""
        if self.erased:
            raise ChildErased("erasure", "this child's personal data has been erased")

    @property
    def child_id(self) -> UUID:
        return self.id


stable_topics(Child, "safeshare:child")
