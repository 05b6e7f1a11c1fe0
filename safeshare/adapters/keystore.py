"""The key store: each child's data key, wrapped by the key-encryption key, kept apart from
the event store (DESIGN.md, "Personal data at rest").

Destroying a child's row is erasure: every value sealed with that key becomes unreadable
wherever it was copied (events, projections, snapshots, backups of the event store).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol
from uuid import UUID

import psycopg
from psycopg import sql


class KeyStore(Protocol):
    """Where wrapped child keys live."""

    def put(self, child_id: UUID, wrapped: bytes) -> None: ...

    def get(self, child_id: UUID) -> bytes | None: ...

    def destroy(self, child_id: UUID) -> bool: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


class SQLiteKeyStore:
    """Its own SQLite file with `secure_delete`, so a destroyed key is overwritten on disk."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS child_keys "
            "(child_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL)"
        )

    def put(self, child_id: UUID, wrapped: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO child_keys (child_id, wrapped) VALUES (?, ?)", (child_id.hex, wrapped)
            )

    def get(self, child_id: UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT wrapped FROM child_keys WHERE child_id = ?", (child_id.hex,)
            ).fetchone()
        return bytes(row[0]) if row else None

    def destroy(self, child_id: UUID) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM child_keys WHERE child_id = ?", (child_id.hex,))
            deleted = cur.rowcount > 0
            self._db.execute("VACUUM")
        return deleted

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM child_keys").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresKeyStore:
    """Its own schema; a destroyed key's dead tuple is vacuumed away at once."""

    def __init__(self, conninfo: str, schema: str) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        self._conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.child_keys "
                "(child_id uuid PRIMARY KEY, wrapped bytea NOT NULL)"
            ).format(sql.Identifier(schema))
        )
        self._table = sql.SQL("{}.child_keys").format(sql.Identifier(schema))

    def put(self, child_id: UUID, wrapped: bytes) -> None:
        with self._lock:
            self._conn.execute(
                sql.SQL("INSERT INTO {} (child_id, wrapped) VALUES (%s, %s)").format(self._table),
                (child_id, wrapped),
            )

    def get(self, child_id: UUID) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                sql.SQL("SELECT wrapped FROM {} WHERE child_id = %s").format(self._table),
                (child_id,),
            ).fetchone()
        return bytes(row[0]) if row else None

    def destroy(self, child_id: UUID) -> bool:
        with self._lock:
            cur = self._conn.execute(
                sql.SQL("DELETE FROM {} WHERE child_id = %s").format(self._table), (child_id,)
            )
            self._conn.execute(sql.SQL("VACUUM {}").format(self._table))
            return cur.rowcount > 0

    def count(self) -> int:
        with self._lock:
            row = self._conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(self._table)
            ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()
