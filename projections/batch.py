"""What the read models share: applying a whole batch at once, keyed state and id maps.

A projection that applies a batch of notifications in one go can load the rows it touches in
one query and write them back with one `executemany`, instead of a round trip per event; that
is what lets a rebuild keep pace with reading the log ("Projections are rebuilt, never edited":
a rebuild has to be cheap enough to do at will).

Rows hold ids, codes, times and `Sealed` tokens only, never plain personal data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from domain.sealed import Sealed
from projections.db import Tx, insert_rows

Item = tuple[Notification, Any]  # the decoded domain event, or None

_CHUNK = 500


class BatchProjection(ABC):
    """A projection applied a batch at a time (`Runner` calls `apply_batch` when present);
    `apply` keeps the one-at-a-time `Projection` protocol."""

    name: str
    decode: bool = True
    indexes: tuple[str, ...] = ()
    """`CREATE INDEX IF NOT EXISTS ...` statements for the secondary indexes. A rebuild creates
    them once its tables are full (`runner.rebuild_together`): one sorted build instead of an
    index entry inserted at random per row."""

    def create(self, tx: Tx) -> None:
        self.create_tables(tx)
        self.create_indexes(tx)

    @abstractmethod
    def create_tables(self, tx: Tx) -> None: ...

    def create_indexes(self, tx: Tx) -> None:
        for statement in self.indexes:
            tx.execute(statement)

    @abstractmethod
    def drop(self, tx: Tx) -> None: ...

    @abstractmethod
    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None: ...

    def apply(
        self, tx: Tx, notification: Notification, event: DomainEventProtocol[Any] | None
    ) -> None:
        self.apply_batch(tx, [(notification, event)])


_TOPICS: dict[type, str] = {}


def topic_of(event: object) -> str:
    """The event's stable topic (`domain.topics`): what projections match on, so that a class
    rename changes nothing. (Looked up once per class: a rebuild asks for every event.)"""
    cls = type(event)
    topic = _TOPICS.get(cls)
    if topic is None:
        topic = _TOPICS[cls] = str(getattr(cls, "TOPIC", cls.__qualname__))
    return topic


@lru_cache(maxsize=1 << 14)
def _iso(moment: datetime) -> str:
    # orjson writes a UTC time as RFC 3339, the very text of `isoformat()` (tested), in a third
    # of the time: a rebuild formats every event's time.
    return orjson.dumps(moment.astimezone(UTC), default=datetime.isoformat)[1:-1].decode()


def iso(moment: datetime | None) -> str | None:
    """Times are stored as ISO 8601 UTC text (sorts as time on both databases). Memoised:
    every projection stores the same event's time."""
    return _iso(moment) if moment is not None else None


_SIDS: dict[int, str] = {}
_SID_LIMIT = 1 << 16


def sid(value: UUID) -> str:
    """An id as text, memoised for the same reason, by the id's number: `UUID.__hash__` and
    `__eq__` are Python code, and were a tenth of a rebuild's folds."""
    try:
        return _SIDS[value.int]
    except KeyError:
        if len(_SIDS) >= _SID_LIMIT:
            _SIDS.clear()
        text = _SIDS[value.int] = str(value)
        return text
    except AttributeError:  # not a UUID
        return str(value)


def sealed_dict(value: Sealed | None) -> dict[str, str] | None:
    return {"f": value.field, "t": value.token} if value is not None else None


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    msg = f"not storable in a projection: {type(value).__name__}"
    raise TypeError(msg)


# orjson: a rebuild encodes a row or two per event, and the standard library's encoder was
# the largest cost of the audit-trail and chronology folds after decoding the log itself.
# Compact, UTF-8 (not \u-escaped), times and ids as ISO text and strings as before.
_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_UNSORTED = orjson.OPT_NON_STR_KEYS


def dumps(value: object) -> str:
    """Canonical JSON (sorted keys): a state's text does not depend on how it was built."""
    return orjson.dumps(value, default=_json_default, option=_SORTED).decode()


def dumps_unsorted(value: object) -> str:
    """JSON for values always built the same way (cheaper: no key sort)."""
    return orjson.dumps(value, default=_json_default, option=_UNSORTED).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)


def chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def position_key(tx: Tx) -> str:
    """The log position as primary key: on SQLite `INTEGER PRIMARY KEY` is the rowid itself
    (`BIGINT PRIMARY KEY` would add a second index); on PostgreSQL a BIGINT."""
    return "INTEGER PRIMARY KEY" if tx.dialect == "sqlite" else "BIGINT PRIMARY KEY"


def drop_tables(tx: Tx, *tables: str | StateTable) -> None:
    for table in tables:
        if isinstance(table, StateTable):
            table.forget()
            table = table.table
        tx.execute(f"DROP TABLE IF EXISTS {table}")


CACHE_LIMIT = 50_000
"""Entries a cached `StateTable` keeps in memory (see `StateTable.__init__`)."""


class StateTable:
    """One JSON state per key plus a few plain columns to select on.

    `load` fetches the states of many keys in one query; `save` upserts them in one
    `executemany`. The states are folds of the log, so a batch that rolls back leaves nothing.
    """

    def __init__(self, table: str, columns: Sequence[str], cache: bool = False) -> None:
        """`cache=True` is for tables whose states never change once written (id maps): they
        are kept in memory once seen, so a rebuild does not look them up batch after batch.
        A rolled-back batch may leave entries in the cache that are not in the table; they are
        facts of the log, and the retried batch writes them again. Past `CACHE_LIMIT` entries
        the cache is emptied (what is needed again is read back from the table), so a rebuild's
        memory does not grow with the history."""
        self.table = table
        self.columns = tuple(columns)
        self._cache: dict[str, dict[str, Any]] | None = {} if cache else None

    def ddl(self, dialect: str = "postgres") -> list[str]:
        """On SQLite the table is clustered on its key (`WITHOUT ROWID`): one B-tree, not a
        table plus a key index."""
        cols = "".join(f", {c} TEXT" for c in self.columns)
        suffix = " WITHOUT ROWID" if dialect == "sqlite" else ""
        return [
            f"CREATE TABLE IF NOT EXISTS {self.table} "
            f"(key TEXT PRIMARY KEY{cols}, state TEXT NOT NULL){suffix}"
        ]

    def load(self, tx: Tx, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        cache = self._cache
        if cache is not None:
            missing = []
            for key in set(keys):
                hit = cache.get(key)
                if hit is None:
                    missing.append(key)
                else:
                    found[key] = hit
            wanted = missing
        else:
            wanted = list(set(keys))
        if not wanted:
            return found
        if tx.dialect == "postgres":
            parts: Iterable[Sequence[str]] = [wanted]
        else:
            parts = chunks(wanted)
        for part in parts:
            if tx.dialect == "postgres":  # one array parameter: one plan, any number of keys
                query, params = f"SELECT key, state FROM {self.table} WHERE key = ANY(?)", [part]
            else:
                marks = ",".join("?" * len(part))
                query = f"SELECT key, state FROM {self.table} WHERE key IN ({marks})"
                params = list(part)
            rows = tx.fetchall(query, params)
            for key, state in rows:
                found[str(key)] = loads(state)
        if cache is not None:
            self._keep({k: found[k] for k in wanted if k in found})
        return found

    def _keep(self, states: dict[str, dict[str, Any]]) -> None:
        cache = self._cache
        assert cache is not None
        if len(cache) + len(states) > CACHE_LIMIT:
            cache.clear()
        cache.update(states)

    def forget(self) -> None:
        if self._cache is not None:
            self._cache.clear()

    def save(self, tx: Tx, states: dict[str, dict[str, Any]], index: Any) -> None:
        """Upsert `states`; `index(state)` gives the plain columns' values in order."""
        if not states:
            return
        cols = ("key", *self.columns, "state")
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        statement = (
            f"INSERT INTO {self.table} ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT (key) DO UPDATE SET {updates}"
        )
        rows = [(key, *index(states[key]), dumps(states[key])) for key in sorted(states)]
        if self._cache is not None:
            # written once, never changed: appended (COPY on PostgreSQL)
            insert_rows(tx, self.table, cols, rows)
            self._keep(states)
        elif tx.dialect == "postgres":
            # replace the batch's rows: one DELETE and one COPY instead of a statement per row
            tx.execute(f"DELETE FROM {self.table} WHERE key = ANY(?)", [[r[0] for r in rows]])
            insert_rows(tx, self.table, cols, rows)
        else:
            tx.executemany(statement, rows)

    def all(self, tx: Tx, where: str = "", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        sql = f"SELECT state FROM {self.table}" + (f" WHERE {where}" if where else "")
        return [loads(r[0]) for r in tx.fetchall(sql + " ORDER BY key", params)]
