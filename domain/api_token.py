"""An API token: how the school's systems and the command line act as an account.

Issue 14: "authentication with per-account API tokens: shown once, stored hashed, scoped to a
role, expiring, revocable, each use recorded". The aggregate keeps only the token's SHA-256;
the secret is shown once when it is made. Its id is part of the token, so look-up needs no
index.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import PolicyRefusal
from domain.topics import stable_topics


class TokenRefused(PolicyRefusal):
    """An expired, revoked or unknown token (the message never says which)."""


def token_usable(revoked: bool, expires_at: datetime, now: datetime) -> bool:
    """Issue 14: tokens are "expiring, revocable": a revoked or expired token does nothing."""
    return not revoked and now < expires_at


class ApiToken(CheapCopy, Aggregate):
    """One token of one account, scoped to the account's role when it was made."""

    class Issued(Aggregate.Created):
        TOPIC = "safeshare:api-token:issued"
        user_id: str
        role: str
        digest: str
        label: str
        expires_at: str
        issued_by: str

    class Used(Aggregate.Event):
        TOPIC = "safeshare:api-token:used"
        what: str

    class Revoked(Aggregate.Event):
        TOPIC = "safeshare:api-token:revoked"
        recorded_by: str

    @event(Issued)
    def __init__(
        self,
        id: UUID,
        user_id: str,
        role: str,
        digest: str,
        label: str,
        expires_at: str,
        issued_by: str,
    ) -> None:
        self.user_id = user_id
        self.role = role
        self.digest = digest
        self.label = label
        self.expires_at = expires_at
        self.issued_by = issued_by
        self.revoked = False
        self.uses = 0

    def usable(self, now: datetime) -> bool:
        return token_usable(self.revoked, datetime.fromisoformat(self.expires_at), now)

    def record_use(self, what: str) -> None:
        self._used(what=what)

    @event(Used)
    def _used(self, what: str) -> None:
        self.uses += 1

    def revoke(self, by: str) -> None:
        if not self.revoked:
            self._revoked(recorded_by=by)

    @event(Revoked)
    def _revoked(self, recorded_by: str) -> None:
        self.revoked = True


stable_topics(ApiToken, "safeshare:api-token")
