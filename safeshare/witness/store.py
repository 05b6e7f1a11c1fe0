"""A witness's own store (one SQLite file in its own folder, never the school's).

    meta        the witness's name (the signer name in its cosignatures)
    logs        each log it witnesses: origin and the log's audit public key(s) (PEM)
    latest      per log, the last checkpoint it cosigned: size, root and the cosigned text
    tombstones  per log, every erased child id the school reported, with when it arrived
    set_aside   checkpoints the witness's operator set aside (a school restored from a backup),
                kept as evidence of what was witnessed before

Why SQLite with `BEGIN IMMEDIATE`: two add-checkpoint requests for one log must not both pass
the "old size matches" check; the write lock makes the check and the update one step.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

STORE_FILE = "witness.sqlite"
KEY_FILE = "witness-ed25519.pem"
PUBLIC_KEY_FILE = "witness-ed25519.pub.pem"


@dataclass(frozen=True, slots=True)
class Latest:
    size: int
    root: bytes
    text: str


class WitnessStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / STORE_FILE
        if not self.path.exists():
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._tx() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS logs (origin TEXT PRIMARY KEY, keys TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT "
                "NULL, root BLOB NOT NULL, note TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS set_aside (origin TEXT NOT NULL, size INTEGER NOT "
                "NULL, note TEXT NOT NULL, set_aside_at TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS tombstones (origin TEXT NOT NULL, child_id TEXT NOT "
                "NULL, received_at TEXT NOT NULL, PRIMARY KEY (origin, child_id))"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def name(self) -> str:
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE name = 'name'").fetchone()
        if row is None:
            raise ValueError(f"witness store {self.path}: no name (run `safeshare witness init`)")
        return str(row[0])

    def set_name(self, name: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('name', ?)", (name,))

    def add_log(self, origin: str, keys_pem: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO logs (origin, keys) VALUES (?, ?)", (origin, keys_pem)
            )

    def log_keys(self, origin: str) -> str | None:
        with self._tx() as db:
            row = db.execute("SELECT keys FROM logs WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def latest_for_update(self, origin: str) -> Iterator[tuple[Latest | None, _Writer]]:
        """The last cosigned checkpoint of the log, under the write lock, and a writer that
        replaces it in the same transaction."""
        with self._tx() as db:
            row = db.execute(
                "SELECT size, root, note FROM latest WHERE origin = ?", (origin,)
            ).fetchone()
            latest = None if row is None else Latest(int(row[0]), bytes(row[1]), str(row[2]))
            yield latest, _Writer(db, origin)

    def latest(self, origin: str) -> Latest | None:
        with self.latest_for_update(origin) as (latest, _):
            return latest

    def set_aside(self, origin: str, at: datetime) -> Latest | None:
        """Start the log afresh (its next checkpoint is trusted on first use), keeping the
        checkpoint it held in `set_aside`; returns that checkpoint."""
        with self._tx() as db:
            row = db.execute(
                "SELECT size, root, note FROM latest WHERE origin = ?", (origin,)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "INSERT INTO set_aside (origin, size, note, set_aside_at) VALUES (?, ?, ?, ?)",
                (origin, row[0], row[2], at.isoformat()),
            )
            db.execute("DELETE FROM latest WHERE origin = ?", (origin,))
        return Latest(int(row[0]), bytes(row[1]), str(row[2]))

    def add_tombstones(self, origin: str, ids: list[UUID], at: datetime) -> int:
        """Record the ids not yet known; returns how many were new."""
        with self._tx() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO tombstones (origin, child_id, received_at) VALUES (?, ?, ?)",
                [(origin, i.hex, at.isoformat()) for i in ids],
            )
            return db.total_changes - before

    def tombstones(self, origin: str) -> list[UUID]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT child_id FROM tombstones WHERE origin = ? ORDER BY child_id", (origin,)
            ).fetchall()
        return [UUID(hex=r[0]) for r in rows]


class _Writer:
    def __init__(self, db: sqlite3.Connection, origin: str) -> None:
        self._db, self._origin = db, origin

    def replace(self, size: int, root: bytes, text: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO latest (origin, size, root, note) VALUES (?, ?, ?, ?)",
            (self._origin, size, root, text),
        )
