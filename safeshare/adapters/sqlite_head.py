"""The SQLite store's highest notification id, read cheaply and never stale.

The aggregate cache asks for it before reading a record (`synced_cache.py`); through the
library's pool each ask costs a connection from the pool, a `BEGIN` and a rollback. Here one
connection of its own, which never writes, answers it:

- `PRAGMA data_version` on that connection changes whenever any *other* connection has
  committed to the database since this connection last read it (SQLite: "the integer values
  returned by two invocations ... from the same connection will be different if changes were
  committed to the database by any other connection in the interim"). This connection never
  writes, so every commit, this process's own saves included, is another connection's: an
  unchanged value proves that nothing was committed, and the id read last still stands.
- when it has changed, `SELECT MAX(rowid)` reads the id again. The version is read *before*
  the id: a commit between the two reads is then in the id or changes the next version read,
  so a remembered id is never older than its remembered version says.

A restore writes into the live file through SQLite's backup API, which commits like any other
writer. Any error falls back to the library's own read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from threading import Lock


class SQLiteHead:
    def __init__(self, db_name: str, select_max: str, timeout: float) -> None:
        self._db_name = db_name
        self._select_max = select_max
        self._timeout = timeout
        self._lock = Lock()
        self._conn: sqlite3.Connection | None = None
        self._seen: tuple[int, int] | None = None  # (data_version, max id)

    def max_notification_id(self, fallback: Callable[[], int]) -> int:
        """As the library's (which gives None for an empty store, whatever its hint says)."""
        with self._lock:
            try:
                conn = self._connection()
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                if self._seen is None or self._seen[0] != version:
                    highest: int = conn.execute(self._select_max).fetchone()[0]
                    self._seen = (version, highest)
                return self._seen[1]
            except sqlite3.Error:
                self._close()
        return fallback()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(
                self._db_name,
                uri=True,
                timeout=self._timeout,
                isolation_level=None,  # each statement its own read transaction
                check_same_thread=False,  # used under the lock, from any thread
            )
            self._seen = None
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._seen = None

    def close(self) -> None:
        with self._lock:
            self._close()
