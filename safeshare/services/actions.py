"""Follow-up actions: assigned by a DSL on a case, listed for the assignee, overdue flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.action import Action, is_overdue
from domain.child import Child
from domain.errors import InvalidValue
from domain.user import Role, User
from safeshare.adapters.case_index import ACTIONS_OF_ASSIGNEE, ACTIONS_OF_CONCERN, ACTIONS_OPEN
from safeshare.adapters.sealing import ERASED
from safeshare.services.context import Context
from safeshare.validation import day, optional_text, required_text


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    concern_id: str
    child_name: str
    assignee: str
    what: str
    due: str
    done: bool
    overdue: bool


class ActionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def assign(self, concern_id: str, assignee_id: str, what: str, due: str, by: str) -> UUID:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        concern.check_open_for_casework()
        try:
            user = self.ctx.app.find(UUID(assignee_id), User)
        except ValueError:
            user = None
        if user is None or user.role not in (Role.STAFF, Role.DSL):
            raise InvalidValue("assignee", "choose a member of staff or a DSL")
        today = self.ctx.clock().date()
        due_day = day("due", due, today, allow_future=True)
        if due_day < today:
            raise InvalidValue("due", "must be today or later")
        action = Action(
            concern_id=concern.id,
            child_id=concern.child_id,
            assignee_id=str(user.id),
            assignee=user.actor,
            what=self.ctx.sealer.seal(
                concern.child_id, "action.what", required_text("what", what, 2000)
            ),
            due=due_day,
            assigned_by=by,
        )
        self.ctx.app.save(action)
        return action.id

    def complete(self, action_id: str, by_user: UUID, by: str, note: str | None = None) -> None:
        action = self._action(action_id)
        if action is None or action.assignee_id != str(by_user):
            raise InvalidValue("action", "no such action on your list")
        action.complete(
            self.ctx.sealer.seal_optional(
                action.child_id, "action.note", optional_text("note", note, 2000)
            ),
            by,
        )
        self.ctx.app.save(action)

    def _action(self, action_id: str) -> Action | None:
        try:
            return self.ctx.app.find(UUID(action_id), Action)
        except ValueError:
            return None

    def rows(
        self, concern_id: UUID | None = None, assignee_id: UUID | None = None
    ) -> list[ActionRow]:
        """Actions on one case, or on one person's list; overdue first, then by due date."""
        today = self.ctx.clock().date()
        rows: list[ActionRow] = []
        for action_id in self._action_ids(concern_id, assignee_id):
            action = self.ctx.app.find(action_id, Action)
            if action is None:
                continue
            if concern_id is not None and action.concern_id != concern_id:
                continue
            if assignee_id is not None and action.assignee_id != str(assignee_id):
                continue
            rows.append(self._row(action, today))
        rows.sort(key=lambda r: (r.done, not r.overdue, r.due))
        return rows

    def _action_ids(self, concern_id: UUID | None, assignee_id: UUID | None) -> list[UUID]:
        """From the case index: the case's actions, or the person's; with neither, the actions
        not yet done (the worklist's overdue ones are among them)."""
        index = self.ctx.app.index
        if concern_id is not None:
            return index.records_keyed(ACTIONS_OF_CONCERN, concern_id.hex)
        if assignee_id is not None:
            return index.records_keyed(ACTIONS_OF_ASSIGNEE, str(assignee_id))
        return index.records_keyed(ACTIONS_OPEN)

    def _row(self, action: Action, today: date) -> ActionRow:
        unseal = self.ctx.sealer.unseal
        child = self.ctx.app.find(action.child_id, Child)
        name = unseal(child.id, child.name) if child and not child.erased else None
        return ActionRow(
            action_id=str(action.id),
            concern_id=str(action.concern_id),
            child_name=name or ERASED,
            assignee=action.assignee,
            what=unseal(action.child_id, action.what) or ERASED,
            due=action.due.isoformat(),
            done=action.done,
            overdue=is_overdue(action.due, today, action.done),
        )

    def assigned_to(self, user_id: UUID, concern_id: UUID) -> bool:
        return any(r for r in self.rows(concern_id=concern_id, assignee_id=user_id))
