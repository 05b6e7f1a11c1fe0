"""The projections' own database: SQLite file or PostgreSQL schema, one small interface.

SQL is written once with `?` placeholders; the PostgreSQL adapter translates them. Every write
a projection makes happens inside `transaction()`, together with its tracking position, so a
projection is exactly once: a crash rolls back both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from psycopg import sql

Dialect = Literal["sqlite", "postgres"]


class Tx(Protocol):
    """A transaction: execute statements, read rows."""

    dialect: Dialect

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...


class ProjectionDb(Protocol):
    dialect: Dialect

    @contextmanager
    def transaction(self, dropping: bool = False) -> Iterator[Tx]:
        """`dropping=True` for a transaction that drops whole tables (a rebuild's start)."""
        ...

    def bulk(self) -> AbstractContextManager[None]:
        """Around the many large transactions of a rebuild (see `SQLiteProjectionDb.bulk`)."""
        ...

    def close(self) -> None: ...


class _SQLiteTx:
    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(statement, tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(statement, [tuple(r) for r in rows])

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(statement, tuple(params)).fetchall())

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self._conn.execute(statement, tuple(params)).fetchone()
        return tuple(row) if row is not None else None


CHECKPOINT_PAGES = 1000
"""SQLite's default `wal_autocheckpoint`."""
BULK_CHECKPOINT_PAGES = 25_000
"""During a rebuild: about 100 MB of write-ahead log (4 KiB pages) before it is copied back."""


class SQLiteProjectionDb:
    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        # A rebuild touches every row of tables keyed by random ids: a page cache the size of
        # the working set (64 MiB, not the 2 MiB default) keeps it from rereading pages.
        self._conn.execute("PRAGMA cache_size=-65536")
        self._conn.execute("PRAGMA temp_store=MEMORY")

    @contextmanager
    def transaction(self, dropping: bool = False) -> Iterator[Tx]:
        """With `dropping`, temporary storage is a file for this transaction: dropping full
        tables in one transaction with it in memory held about the tables' size in the
        process (508 MB at the peak of a 1,000,000-event rebuild, 242 with it on file)."""
        with self._lock:
            if dropping:
                self._conn.execute("PRAGMA temp_store=FILE")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _SQLiteTx(self._conn)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                else:
                    self._conn.execute("COMMIT")
            finally:
                if dropping:
                    self._conn.execute("PRAGMA temp_store=MEMORY")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """SQLite copies its write-ahead log back into the database at the first commit that
        takes the log past `wal_autocheckpoint` pages (1,000 by default): during a rebuild
        every commit did, copying and syncing the same table pages again and again. Here the
        log may grow to `BULK_CHECKPOINT_PAGES` first, and what is left is copied back once at
        the end."""
        with self._lock:
            self._conn.execute(f"PRAGMA wal_autocheckpoint={BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            with self._lock:
                self._conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _PgTx:
    dialect: Dialect = "postgres"

    def __init__(self, cur: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cur = cur

    @staticmethod
    def _q(statement: str) -> str:
        return statement.replace("%", "%%").replace("?", "%s")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(self._q(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(self._q(statement), [tuple(r) for r in rows])

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cur.execute(self._q(statement), tuple(params))
        return list(self._cur.fetchall())

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        self._cur.execute(self._q(statement), tuple(params))
        return self._cur.fetchone()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """`COPY ... FROM STDIN`: one stream instead of a statement per row."""
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        lines = ["\t".join(_copy_text(v) for v in row) + "\n" for row in rows]
        with self._cur.copy(statement) as copy:
            copy.write("".join(lines))


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (what `write_row` does, without a Python call per
    character class): NULL is `\\N`; backslash, tab, newline and return are escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def insert_rows(tx: Tx, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Append rows to a table: `COPY` on PostgreSQL, `executemany` on SQLite. For tables a
    projection only ever appends to (the audit trail, the chronology), where a rebuild writes
    hundreds of thousands of rows."""
    if not rows:
        return
    if isinstance(tx, _PgTx):
        tx.copy_rows(table, columns, rows)
        return
    marks = ", ".join("?" * len(columns))
    tx.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class PostgresProjectionDb:
    """Tables in the school's own projections schema (`search_path` is set to it)."""

    dialect: Dialect = "postgres"

    def __init__(self, conninfo: str, schema: str) -> None:
        self.schema = schema
        self._lock = threading.RLock()
        self._conn = psycopg.connect(conninfo, autocommit=True)
        if not self._conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone():  # (a tenant's role may not create schemas: its own exist already)
            self._conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
        self._conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))

    @contextmanager
    def transaction(self, dropping: bool = False) -> Iterator[Tx]:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            yield _PgTx(cur)

    def bulk(self) -> AbstractContextManager[None]:
        return nullcontext()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
