"""What every service shares: the school's application, its sealer, settings and clock."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Concatenate, ParamSpec, Protocol, TypeVar
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
P = ParamSpec("P")
R = TypeVar("R")


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


class HasContext(Protocol):
    ctx: Context


S = TypeVar("S", bound=HasContext)


def one_look_at_the_store(
    command: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """A command that reads several records (the concern, the child, the agency directory,
    its open referrals) asks the store whether anything else wrote once, at its first read,
    not at each (`CaseRecords.checked_once`): it then reads the store as it stood at that
    instant, plus its own saves. Its save is still refused if a record it changes was changed
    meanwhile (the version check), and a refused save makes the next read look again."""

    @functools.wraps(command)
    def looking_once(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.ctx.app.checked_once():
            return command(self, *args, **kwargs)

    return looking_once
