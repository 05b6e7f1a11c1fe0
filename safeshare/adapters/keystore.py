"""The key store: each child's data key, wrapped by the key-encryption key, kept apart from
the event store (DESIGN.md, "Personal data at rest").

Destroying a child's row is erasure: every value sealed with that key becomes unreadable
wherever it was copied (events, projections, snapshots, backups of the event store).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol
from uuid import UUID

import psycopg
from psycopg import sql


class KeyStore(Protocol):
    """Where wrapped child keys live."""

    def put(self, child_id: UUID, wrapped: bytes) -> None: ...

    def get(self, child_id: UUID) -> bytes | None: ...

    def get_many(self, child_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        """The wrapped keys of these children in one query (those with none left out)."""
        ...

    def destroy(self, child_id: UUID) -> bool: ...

    def count(self) -> int: ...

    def close(self) -> None: ...

    # -- backups and key rotation (issue 15) -----------------------------------------------

    def all_wrapped(self) -> dict[UUID, bytes]: ...

    def replace_all(self, wrapped: Mapping[UUID, bytes]) -> None: ...

    def rewrap_all(self, rewrap: Callable[[bytes], bytes]) -> int: ...


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

    def get_many(self, child_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        if not child_ids:
            return {}
        marks = ", ".join("?" * len(child_ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT child_id, wrapped FROM child_keys WHERE child_id IN ({marks})",
                [c.hex for c in child_ids],
            ).fetchall()
        return {UUID(r[0]): bytes(r[1]) for r in rows}

    def destroy(self, child_id: UUID) -> bool:
        """`secure_delete` overwrites the row with zeros in the file as it is deleted: no
        `VACUUM` (which rewrote the whole file, a cost that grew with every child on file)."""
        with self._lock:
            cur = self._db.execute("DELETE FROM child_keys WHERE child_id = ?", (child_id.hex,))
            return cur.rowcount > 0

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM child_keys").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def all_wrapped(self) -> dict[UUID, bytes]:
        with self._lock:
            rows = self._db.execute("SELECT child_id, wrapped FROM child_keys").fetchall()
        return {UUID(r[0]): bytes(r[1]) for r in rows}

    def replace_all(self, wrapped: Mapping[UUID, bytes]) -> None:
        """Every key replaced by `wrapped`, in one transaction (a restore)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM child_keys")
                self._db.executemany(
                    "INSERT INTO child_keys (child_id, wrapped) VALUES (?, ?)",
                    [(cid.hex, w) for cid, w in wrapped.items()],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._db.execute("VACUUM")

    def rewrap_all(self, rewrap: Callable[[bytes], bytes]) -> int:
        """Every wrapped key rewritten by `rewrap`, in one transaction (a KEK rotation)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute("SELECT child_id, wrapped FROM child_keys").fetchall()
                self._db.executemany(
                    "UPDATE child_keys SET wrapped = ? WHERE child_id = ?",
                    [(rewrap(bytes(w)), cid) for cid, w in rows],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._db.execute("VACUUM")
        return len(rows)


class PostgresKeyStore:
    """Its own schema; a destroyed key's dead tuple is vacuumed away at once."""

    def __init__(self, conninfo: str, schema: str) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self._conn = psycopg.connect(conninfo, autocommit=True)
        if not self._conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone():  # (a tenant's role may not create schemas: its own exist already)
            self._conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
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

    def get_many(self, child_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        if not child_ids:
            return {}
        with self._lock:
            rows = self._conn.execute(
                sql.SQL("SELECT child_id, wrapped FROM {} WHERE child_id = ANY(%s)").format(
                    self._table
                ),
                (list(child_ids),),
            ).fetchall()
        return {UUID(str(r[0])): bytes(r[1]) for r in rows}

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

    def all_wrapped(self) -> dict[UUID, bytes]:
        with self._lock:
            rows = self._conn.execute(
                sql.SQL("SELECT child_id, wrapped FROM {}").format(self._table)
            ).fetchall()
        return {UUID(str(r[0])): bytes(r[1]) for r in rows}

    def replace_all(self, wrapped: Mapping[UUID, bytes]) -> None:
        """Every key replaced by `wrapped`, in one transaction (a restore)."""
        with self._lock:
            with self._conn.transaction():
                self._conn.execute(sql.SQL("LOCK TABLE {}").format(self._table))
                self._conn.execute(sql.SQL("DELETE FROM {}").format(self._table))
                with self._conn.cursor() as cur:
                    cur.executemany(
                        sql.SQL("INSERT INTO {} (child_id, wrapped) VALUES (%s, %s)").format(
                            self._table
                        ),
                        list(wrapped.items()),
                    )
            self._conn.execute(sql.SQL("VACUUM {}").format(self._table))

    def rewrap_all(self, rewrap: Callable[[bytes], bytes]) -> int:
        """Every wrapped key rewritten by `rewrap`, in one transaction (a KEK rotation)."""
        with self._lock:
            with self._conn.transaction():
                self._conn.execute(sql.SQL("LOCK TABLE {}").format(self._table))
                rows = self._conn.execute(
                    sql.SQL("SELECT child_id, wrapped FROM {}").format(self._table)
                ).fetchall()
                with self._conn.cursor() as cur:
                    cur.executemany(
                        sql.SQL("UPDATE {} SET wrapped = %s WHERE child_id = %s").format(
                            self._table
                        ),
                        [(rewrap(bytes(w)), cid) for cid, w in rows],
                    )
            self._conn.execute(sql.SQL("VACUUM {}").format(self._table))
        return len(rows)
