"""Key files: written private (0600) and replaced atomically, never left half-written.

A rotation replaces a key file while the old key must stay recoverable until the new one is in
place: the new file is written beside the old one, flushed, and renamed over it in one step.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.adapters.sealing import KeyFileError
from safeshare.settings import Settings

FINGERPRINTS_TABLE = "safeshare_key_fingerprints"


def fingerprint(key_material: bytes) -> str:
    """A SHA-256 fingerprint of key material: names a key in the record without revealing it."""
    return hashlib.sha256(b"safeshare key fingerprint\x00" + key_material).hexdigest()


def write_new_private(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def replace_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = path.with_name(path.name + ".staged")
    staged.unlink(missing_ok=True)
    write_new_private(staged, data)
    os.replace(staged, path)


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a key list file, or none if it does not exist."""
    try:
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []


@dataclass(frozen=True)
class BackupKey:
    """The key the key store's backups are encrypted to (AES-256-GCM); kept with the other
    keys, never in a backup folder."""

    secret: bytes

    @classmethod
    def load_or_create(cls, path: Path) -> BackupKey:
        if not path.exists():
            write_new_private(path, base64.b64encode(os.urandom(32)) + b"\n")
        try:
            raw = base64.b64decode(path.read_text().strip(), validate=True)
        except (OSError, ValueError) as e:
            msg = f"backup key file {path}: cannot be read ({e.__class__.__name__})"
            raise KeyFileError(msg) from None
        if len(raw) != 32:
            raise KeyFileError(f"backup key file {path}: must hold 32 bytes in base64")
        return cls(raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.secret)

    def __repr__(self) -> str:
        return "BackupKey(...)"


def refresh_recorded_fingerprint(settings: Settings, store: str, key_material: bytes) -> None:
    """Where a store remembers the fingerprint of the key it was made with (the hardening
    work's `safeshare_key_fingerprints` table, when present), record the rotated key's.

    `store` is "cipher" (the event store), "kek" (the key store) or "audit" (the integrity
    log, in the projections store). A store without the table is left alone."""
    names = {
        "cipher": ("event store cipher key", settings.events_db, ""),
        "kek": ("key-encryption key", settings.keystore_db, "_keys"),
        "audit": ("audit key", settings.projections_db, "_projections"),
    }
    key_name, sqlite_path, suffix = names[store]
    value = fingerprint(key_material)
    if settings.database_url:
        from safeshare.adapters.pg import PgParams

        schema = settings.pg_schema + suffix
        with psycopg.connect(PgParams.from_url(settings.database_url).conninfo()) as db:
            found = db.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = %s",
                (schema, FINGERPRINTS_TABLE),
            ).fetchone()
            if found:
                db.execute(
                    sql.SQL("UPDATE {}.{} SET fingerprint = %s WHERE key_name = %s").format(
                        sql.Identifier(schema), sql.Identifier(FINGERPRINTS_TABLE)
                    ),
                    (value, key_name),
                )
        return
    if not sqlite_path.exists():
        return
    with sqlite3.connect(sqlite_path, timeout=30) as db:
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FINGERPRINTS_TABLE,)
        ).fetchone()
        if found:
            db.execute(
                f"UPDATE {FINGERPRINTS_TABLE} SET fingerprint = ? WHERE key_name = ?",
                (value, key_name),
            )
