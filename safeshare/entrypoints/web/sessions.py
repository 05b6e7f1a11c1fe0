"""Server-side web sessions: the cookie carries a random id only; everything else stays here.

A session ends after `session_idle_minutes` unused or `session_absolute_hours` after it began,
whichever comes first; signing in gives a new id (no session fixation). Sessions live in this
process's memory: a restart signs everyone out, and several web workers need sticky routing
(a shared store is future work).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from safeshare.services.context import Clock

COOKIE = "safeshare_session"
SWEEP_EVERY = 256


@dataclass
class Session:
    sid: str
    csrf: str
    started: datetime
    last_seen: datetime
    user_id: UUID | None = None
    pending_user_id: UUID | None = None
    pending_secret: str | None = None
    passkey_challenge: bytes | None = None
    flash: str | None = None
    flash_problem: tuple[str, str] | None = None
    recovery_codes: list[str] = field(default_factory=list)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A decision's answers between its question pages, by concern id."""

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


class SessionStore:
    def __init__(self, clock: Clock, idle: timedelta, absolute: timedelta) -> None:
        self.clock = clock
        self.idle = idle
        self.absolute = absolute
        self._sessions: dict[str, Session] = {}
        self._made = 0
        self._lock = threading.Lock()

    def new(self) -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._made += 1
            if self._made % SWEEP_EVERY == 0:
                self._sweep(now)
            self._sessions[s.sid] = s
        return s

    def _sweep(self, now: datetime) -> None:
        """Forget sessions that have ended (visitors who never came back, bots)."""
        for sid in [
            sid
            for sid, s in self._sessions.items()
            if now - s.last_seen > self.idle or now - s.started > self.absolute
        ]:
            del self._sessions[sid]

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, touched; None if unknown or timed out."""
        if not sid:
            return None
        now = self.clock()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if now - s.last_seen > self.idle or now - s.started > self.absolute:
                del self._sessions[sid]
                return None
            s.last_seen = now
            return s

    def begin(self, old: Session, user_id: UUID) -> Session:
        """Signed in: a fresh session id and CSRF token; the old session ends."""
        self.end(old)
        s = self.new()
        s.user_id = user_id
        return s

    def end(self, s: Session) -> None:
        with self._lock:
            self._sessions.pop(s.sid, None)
