"""What every service shares: the school's application, its sealer, settings and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.child import Child
from domain.concern import Concern
from domain.errors import ChildErased, InvalidValue
from safeshare.adapters.case_records import CaseRecords
from safeshare.adapters.sealing import Sealer
from safeshare.settings import Settings
from safeshare.validation import identifier

Clock = Callable[[], datetime]


@dataclass
class Context:
    app: CaseRecords
    sealer: Sealer
    settings: Settings
    clock: Clock

    def child(self, child_id: str | UUID, field: str = "child") -> Child:
        cid = identifier(field, child_id)
        child = self.app.find(cid, Child)
        if child is None:
            raise InvalidValue(field, f"no child with id {cid}")
        return child

    def live_child(self, child_id: str | UUID, field: str = "child") -> Child:
        """The child, to read (not to change): a concern is raised about a child, not on it."""
        cid = identifier(field, child_id)
        try:
            child = self.app.read(cid, Child)
        except AggregateNotFoundError:
            raise InvalidValue(field, f"no child with id {cid}") from None
        if child.erased:
            raise InvalidValue(field, "this child's personal data has been erased")
        return child

    def concern(self, concern_id: str | UUID, field: str = "concern") -> Concern:
        cid = identifier(field, concern_id)
        concern = self.app.find(cid, Concern)
        if concern is None:
            raise InvalidValue(field, f"no concern with id {cid}")
        return concern

    def check_live(self, concern: Concern) -> None:
        if concern.child_data_erased:
            raise ChildErased("erasure", "this child's personal data has been erased")
