"""Server-side web sessions, kept in the school's database so that every web worker (and a
restarted one) honours them: the cookie carries a random id only.

- The table holds the SHA-256 of the id, never the id: a copy of the database cannot be
  replayed as a cookie.
- What a session carries (a flash message, a decision's answers between its pages, a TOTP
  secret being enrolled, recovery codes shown once) is sealed with AES-GCM under a key derived
  from the id, so nothing in it is plain at rest and only the cookie's holder can open it.
- A session ends after `session_idle_minutes` unused or `session_absolute_hours` after it began,
  whichever comes first; signing in gives a new id (no session fixation); signing out deletes it.
  Ended sessions are swept from the table every `SWEEP_EVERY` new ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from projections.db import ProjectionDb
from safeshare.services.accounts import Account
from safeshare.services.context import Clock

COOKIE = "safeshare_session"
SWEEP_EVERY = 256
TOUCH_EVERY = timedelta(seconds=30)
"""A session only used (not changed) is written back at most this often."""

DDL = (
    "CREATE TABLE IF NOT EXISTS web_sessions ("
    "id_hash TEXT PRIMARY KEY, started DOUBLE PRECISION NOT NULL, "
    "last_seen DOUBLE PRECISION NOT NULL, payload TEXT NOT NULL)"
)


@dataclass
class Session:
    sid: str
    csrf: str
    started: datetime
    last_seen: datetime
    user_id: UUID | None = None
    re_enabled: int = 0
    """The account's `re_enabled` count when this session began (signed in)."""
    pending_user_id: UUID | None = None
    pending_secret: str | None = None
    passkey_challenge: bytes | None = None
    flash: str | None = None
    flash_problem: tuple[str, str] | None = None
    recovery_codes: list[str] = field(default_factory=list)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A decision's answers between its question pages, by concern id."""
    stored: tuple[str, datetime] | None = field(default=None, repr=False, compare=False)
    """What the table holds for it (payload, last_seen), to write only what changed."""
    ended: bool = field(default=False, repr=False, compare=False)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def payload(self) -> str:
        return json.dumps(
            {
                "csrf": self.csrf,
                "user_id": str(self.user_id) if self.user_id else None,
                "re_enabled": self.re_enabled,
                "pending_user_id": str(self.pending_user_id) if self.pending_user_id else None,
                "pending_secret": self.pending_secret,
                "passkey_challenge": (
                    base64.b64encode(self.passkey_challenge).decode()
                    if self.passkey_challenge is not None
                    else None
                ),
                "flash": self.flash,
                "flash_problem": list(self.flash_problem) if self.flash_problem else None,
                "recovery_codes": self.recovery_codes,
                "drafts": self.drafts,
            },
            sort_keys=True,
            default=str,
        )

    @classmethod
    def from_payload(
        cls, sid: str, started: datetime, last_seen: datetime, payload: str
    ) -> Session:
        d = json.loads(payload)
        challenge = d.get("passkey_challenge")
        problem = d.get("flash_problem")
        return cls(
            sid=sid,
            csrf=d["csrf"],
            started=started,
            last_seen=last_seen,
            user_id=UUID(d["user_id"]) if d.get("user_id") else None,
            re_enabled=int(d.get("re_enabled") or 0),
            pending_user_id=UUID(d["pending_user_id"]) if d.get("pending_user_id") else None,
            pending_secret=d.get("pending_secret"),
            passkey_challenge=base64.b64decode(challenge) if challenge is not None else None,
            flash=d.get("flash"),
            flash_problem=(problem[0], problem[1]) if problem else None,
            recovery_codes=list(d.get("recovery_codes") or []),
            drafts=dict(d.get("drafts") or {}),
        )


def merge(base: str, mine: str, theirs: str) -> str:
    """`theirs` (what the table holds now) with the fields this request changed from `base`
    (what it loaded) taken from `mine`; the drafts entry by entry."""
    b, m, result = json.loads(base), json.loads(mine), json.loads(theirs)
    for field_name, value in m.items():
        if field_name == "drafts":
            drafts = dict(result.get("drafts") or {})
            was = b.get("drafts") or {}
            for k in set(was) | set(value):
                if value.get(k) != was.get(k):
                    if k in value:
                        drafts[k] = value[k]
                    else:
                        drafts.pop(k, None)
            result["drafts"] = drafts
        elif value != b.get(field_name):
            result[field_name] = value
    return json.dumps(result, sort_keys=True)


def id_hash(sid: str) -> str:
    return hashlib.sha256(b"safeshare session id\0" + sid.encode()).hexdigest()


def _key(sid: str) -> bytes:
    return hashlib.sha256(b"safeshare session key\0" + sid.encode()).digest()


def seal(sid: str, payload: str) -> str:
    nonce = secrets.token_bytes(12)
    box = AESGCM(_key(sid)).encrypt(nonce, payload.encode(), id_hash(sid).encode())
    return base64.b64encode(nonce + box).decode()


def unseal(sid: str, sealed: str) -> str | None:
    raw = base64.b64decode(sealed)
    try:
        return AESGCM(_key(sid)).decrypt(raw[:12], raw[12:], id_hash(sid).encode()).decode()
    except InvalidTag:
        return None


def _create_table(db: ProjectionDb) -> None:
    """Several web workers start at once: on PostgreSQL two `CREATE TABLE IF NOT EXISTS` at
    the same instant can collide in the catalogue; the loser finds the table made."""
    for attempt in range(3):
        try:
            with db.transaction() as tx:
                tx.execute(DDL)
            return
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
            if attempt == 2:
                raise


def _ts(at: datetime) -> float:
    return at.timestamp()


class SessionStore:
    """Sessions in the school's database (SQLite file or PostgreSQL schema)."""

    def __init__(
        self, db: ProjectionDb, clock: Clock, idle: timedelta, absolute: timedelta
    ) -> None:
        self.db = db
        self.clock = clock
        self.idle = idle
        self.absolute = absolute
        self._made = 0
        _create_table(db)

    def new(self) -> Session:
        """A fresh session, stored when the response is sent (`save`)."""
        now = self.clock()
        return Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)

    def _ended(self, s_started: datetime, s_last_seen: datetime, now: datetime) -> bool:
        return now - s_last_seen > self.idle or now - s_started > self.absolute

    def sweep(self) -> None:
        """Forget sessions that have ended (visitors who never came back, bots)."""
        now = self.clock()
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM web_sessions WHERE last_seen < ? OR started < ?",
                (_ts(now - self.idle), _ts(now - self.absolute)),
            )

    def __len__(self) -> int:
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT COUNT(*) FROM web_sessions")
        return int(row[0]) if row else 0

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, touched; None if unknown or timed out."""
        if not sid:
            return None
        now = self.clock()
        key = id_hash(sid)
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT started, last_seen, payload FROM web_sessions WHERE id_hash = ?", (key,)
            )
            if row is None:
                return None
            tz = now.tzinfo
            started = datetime.fromtimestamp(float(row[0]), tz)
            last_seen = datetime.fromtimestamp(float(row[1]), tz)
            if self._ended(started, last_seen, now):
                tx.execute("DELETE FROM web_sessions WHERE id_hash = ?", (key,))
                return None
        payload = unseal(sid, str(row[2]))
        if payload is None:
            return None
        s = Session.from_payload(sid, started, now, payload)
        s.stored = (payload, last_seen)
        return s

    def save(self, s: Session) -> None:
        """Write the session back if it changed, or if its last use is worth recording.

        A browser sends requests of one session at once (a page and its favicon, two tabs):
        what this request changed is written over what the table holds now, field by field,
        so one request never undoes another's change; a session another request ended
        (signed out, timed out) stays ended."""
        if s.ended:
            return
        payload = s.payload()
        if s.stored is not None:
            was, last_seen = s.stored
            if was == payload and s.last_seen - last_seen < TOUCH_EVERY:
                return
        key = id_hash(s.sid)
        with self.db.transaction() as tx:
            if s.stored is not None:
                lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
                row = tx.fetchone(
                    "SELECT payload FROM web_sessions WHERE id_hash = ?" + lock, (key,)
                )
                if row is None:
                    s.ended = True
                    return
                now_held = unseal(s.sid, str(row[0]))
                if now_held is not None and now_held != s.stored[0]:
                    payload = merge(s.stored[0], payload, now_held)
            tx.execute("DELETE FROM web_sessions WHERE id_hash = ?", (key,))
            tx.execute(
                "INSERT INTO web_sessions (id_hash, started, last_seen, payload) "
                "VALUES (?, ?, ?, ?)",
                (key, _ts(s.started), _ts(s.last_seen), seal(s.sid, payload)),
            )
        fresh = s.stored is None
        s.stored = (payload, s.last_seen)
        if fresh:  # (requests save in threads: a count lost to a race only delays a sweep)
            self._made += 1
            if self._made % SWEEP_EVERY == 0:
                self.sweep()

    def begin(self, old: Session, account: Account) -> Session:
        """Signed in: a fresh session id and CSRF token; the old session ends. The session
        belongs to this spell of the account: enabled again after being disabled, the
        account's sessions from before stay ended."""
        self.end(old)
        s = self.new()
        s.user_id = account.user_id
        s.re_enabled = account.re_enabled
        return s

    def end(self, s: Session) -> None:
        """Signed out (or replaced): the row is deleted; the id opens nothing any more."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash(s.sid),))
        s.ended = True
