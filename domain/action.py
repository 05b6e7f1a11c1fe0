"""A follow-up action: the DSL gives a named person something to do on a case, by a date.

Issue 13: "the DSL assigns follow-up actions (who, what, due date), recorded as events, on the
assignee's own list and the worklist, overdue ones flagged". What is to be done is sealed with
the child's key like any free text about a child.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.sealed import Sealed
from domain.topics import stable_topics


def is_overdue(due: date, today: date, done: bool) -> bool:
    """An action not done by the end of its due date is overdue."""
    return not done and today > due


class Action(CheapCopy, Aggregate):
    class Assigned(Aggregate.Created):
        TOPIC = "safeshare:action:assigned"
        concern_id: UUID
        child_id: UUID
        assignee_id: str
        assignee: str
        what: Sealed
        due: date
        assigned_by: str

    class Completed(Aggregate.Event):
        TOPIC = "safeshare:action:completed"
        note: Sealed | None
        recorded_by: str

    @event(Assigned)
    def __init__(
        self,
        concern_id: UUID,
        child_id: UUID,
        assignee_id: str,
        assignee: str,
        what: Sealed,
        due: date,
        assigned_by: str,
    ) -> None:
        self.concern_id = concern_id
        self.child_id = child_id
        self.assignee_id = assignee_id
        self.assignee = assignee
        self.what = what
        self.due = due
        self.assigned_by = assigned_by
        self.done = False

    def complete(self, note: Sealed | None, by: str) -> None:
        if self.done:
            raise InvalidValue("action", "this action is already done")
        self._completed(note=note, recorded_by=by)

    @event(Completed)
    def _completed(self, note: Sealed | None, recorded_by: str) -> None:
        self.done = True


stable_topics(Action, "safeshare:action")
