"""The child: the data subject, known inside safeshare only by a random id.

Identity (name, date of birth, address, UPN, NHS number) is personal data: it reaches this
aggregate already sealed with the child's own key, and erasure destroys that key.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import ChildErased
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
