"""A one-time set-up link: how the first administrator signs in to a new installation.

Issue 13, `make run`: "It prints how to sign in the first time: a one-time admin set-up link".
The operator makes it on the command line (the record names the operating-system user); it
works once, until it expires, and only its SHA-256 is kept. Opening it lets the person choose
their own name, email and password for a new admin account, then set up the second factor.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import PolicyRefusal
from domain.topics import stable_topics


class SetupLinkRefused(PolicyRefusal):
    """Unknown, used or expired (the message never says which)."""


class SetupLink(CheapCopy, Aggregate):
    class Issued(Aggregate.Created):
        TOPIC = "safeshare:setup-link:issued"
        digest: str
        expires_at: datetime
        issued_by: str

    class Used(Aggregate.Event):
        TOPIC = "safeshare:setup-link:used"
        user_id: UUID
        recorded_by: str

    @event(Issued)
    def __init__(self, id: UUID, digest: str, expires_at: datetime, issued_by: str) -> None:
        self.digest = digest
        self.expires_at = expires_at
        self.issued_by = issued_by
        self.used_by: UUID | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_by is None and now < self.expires_at

    def use(self, now: datetime, user_id: UUID, by: str) -> None:
        if not self.usable(now):
            raise SetupLinkRefused("setup link", "this set-up link has been used or has expired")
        self._used(user_id=user_id, recorded_by=by)

    @event(Used)
    def _used(self, user_id: UUID, recorded_by: str) -> None:
        self.used_by = user_id


stable_topics(SetupLink, "safeshare:setup-link")
