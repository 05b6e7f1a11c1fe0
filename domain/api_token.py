"""An API token: how the school's systems and the command line act as an account.

Issue 14: "authentication with per-account API tokens: shown once, stored hashed, scoped to a
role, expiring, revocable, each use recorded". The aggregate keeps only the token's SHA-256;
the secret is shown once when it is made. Its id is part of the token, so look-up needs no
index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

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
        """A use recorded on the token itself, as stores made before `TokenUses` hold them
        (replayed, never appended now: each load of the token read every use)."""

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

_USES_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/api-token-uses")


class TokenUses(CheapCopy, Aggregate):
    """Issue 14: each use of a token is recorded: here, apart from the token, so the token a
    request checks stays small however often it is used, and a use is appended without
    reading the uses before it."""

    class Opened(Aggregate.Created):
        TOPIC = "safeshare:api-token-uses:opened"
        token_id: UUID
        what: str

    class Used(Aggregate.Event):
        TOPIC = "safeshare:api-token-uses:used"
        what: str

    @staticmethod
    def create_id(token_id: UUID) -> UUID:
        return uuid5(_USES_NAMESPACE, token_id.hex)

    @event(Opened)
    def __init__(self, token_id: UUID, what: str) -> None:
        """Opened by the token's first use (recorded in the same event)."""
        self.token_id = token_id
        self.uses = 1

    @event(Used)
    def _used(self, what: str) -> None:
        self.uses += 1

    @staticmethod
    def use_at(log_id: UUID, version: int, at: datetime, what: str) -> TokenUses.Used:
        """The next use, appended at `version` without loading the uses before it."""
        # (the library's events are dataclasses; mypy sees only the declared annotations)
        event_class: Any = TokenUses.Used
        return cast(
            TokenUses.Used,
            event_class(originator_id=log_id, originator_version=version, timestamp=at, what=what),
        )

    @staticmethod
    def count(version: int | None) -> int:
        """How many uses a log holds at `version`: its opening records the first."""
        return version or 0


stable_topics(TokenUses, "safeshare:api-token-uses")
