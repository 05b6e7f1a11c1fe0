"""Restricting a case to named DSLs (`domain.restriction`): who they are, and recording it."""

from __future__ import annotations

from uuid import UUID

from domain.concern import Concern
from domain.restriction import CaseRestriction, check_names_the_restricter
from domain.user import Role, User
from safeshare.adapters.case_index import USERS
from safeshare.services.accounts import Account, account_of
from safeshare.services.context import Context


class Restrictions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def restricted_to(self, concern_id: UUID) -> list[str] | None:
        """The account ids of the DSLs a restricted case is limited to; None if it is not."""
        found = self.ctx.app.find(CaseRestriction.create_id(concern_id), CaseRestriction)
        return list(found.allowed) if found is not None else None

    def restrict(
        self, concern: Concern, account: Account, allowed: list[str], via: str = "web"
    ) -> None:
        """Limit the case to the named DSLs (the restricting DSL among them)."""
        dsls = {str(a.user_id) for a in self.accounts_with(Role.DSL)}
        chosen = sorted({a for a in allowed if a in dsls})
        check_names_the_restricter(chosen, str(account.user_id))
        found = self.ctx.app.find(CaseRestriction.create_id(concern.id), CaseRestriction)
        by = f"{account.actor} ({via})"
        if found is None:
            found = CaseRestriction(
                id=CaseRestriction.create_id(concern.id),
                concern_id=concern.id,
                allowed=chosen,
                recorded_by=by,
            )
        else:
            found.change(chosen, str(account.user_id), by)
        self.ctx.app.save(found)

    def accounts_with(self, role: Role) -> list[Account]:
        found = []
        for user_id in self.ctx.app.index.records_keyed(USERS):  # the case index, not the log
            user = self.ctx.app.find(user_id, User)
            if user is not None and user.role is role and not (user.locked or user.disabled):
                found.append(account_of(user))
        return sorted(found, key=lambda a: a.name.lower())

    def names(self, account_ids: list[str] | None) -> list[str] | None:
        if account_ids is None:
            return None
        names = []
        for a in account_ids:
            user = self.ctx.app.find(UUID(a), User)
            names.append(user.actor if user else a)
        return names
