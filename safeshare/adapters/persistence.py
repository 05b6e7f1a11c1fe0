"""The event store: `eventsourcing` recorders extended with the timestamp side table.

As-of replay needs the version of an aggregate at a moment (DESIGN.md): each save records
`(originator_id, timestamp, version)` for every event, in the same transaction as the events,
following the library's "searchable timestamps" example.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Transcoding
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.sealed import Sealed

EventTimestamps = list[tuple[UUID, datetime, int]]
TIMESTAMPS_KWARG = "event_timestamps"


class SealedAsDict(Transcoding):
    """Stores a `Sealed` value as its field name and ciphertext token."""

    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> dict[str, str]:
        return {"f": obj.field, "t": obj.token}

    def decode(self, data: dict[str, str]) -> Sealed:
        return Sealed(data["f"], data["t"])


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class AsOfRecorder:
    """What the application needs for as-of reads, on either database."""

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        raise NotImplementedError


class SafeshareSQLiteRecorder(SQLiteApplicationRecorder, AsOfRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.insert_timestamps_statement = "INSERT INTO event_timestamps VALUES (?, ?, ?)"
        self.select_version_statement = (
            "SELECT max(originator_version) FROM event_timestamps "
            "WHERE originator_id = ? AND timestamp <= ?"
        )

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            "CREATE TABLE IF NOT EXISTS event_timestamps ("
            "originator_id TEXT, timestamp TEXT, originator_version INTEGER, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        statements.append(
            "CREATE INDEX IF NOT EXISTS event_timestamps_at "
            "ON event_timestamps (originator_id, timestamp)"
        )
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows: EventTimestamps = kwargs.get(TIMESTAMPS_KWARG) or []
        if rows:
            c.executemany(
                self.insert_timestamps_statement,
                [(oid.hex, _utc_text(ts), v) for oid, ts, v in rows],
            )
        return ids

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_version_statement, (originator_id.hex, _utc_text(at)))
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])


class SafesharePostgresRecorder(PostgresApplicationRecorder, AsOfRecorder):
    def __init__(self, datastore: PostgresDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.event_timestamps ("
                "originator_id uuid NOT NULL, timestamp timestamptz NOT NULL, "
                "originator_version bigint NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(schema)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE INDEX IF NOT EXISTS event_timestamps_at "
                "ON {}.event_timestamps (originator_id, timestamp)"
            ).format(schema)
        )
        self.insert_timestamps_statement = SQL(
            "INSERT INTO {}.event_timestamps VALUES (%s, %s, %s)"
        ).format(schema)
        self.select_version_statement = SQL(
            "SELECT max(originator_version) AS v FROM {}.event_timestamps "
            "WHERE originator_id = %s AND timestamp <= %s"
        ).format(schema)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        rows: EventTimestamps = kwargs.get(TIMESTAMPS_KWARG) or []
        if rows:
            curs.executemany(self.insert_timestamps_statement, rows)
        super()._insert_events(curs, stored_events, **kwargs)

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_version_statement, (originator_id, at))
            row = curs.fetchone()
        return None if row is None or row["v"] is None else int(row["v"])


def _utc_text(ts: datetime) -> str:
    """Sortable UTC text, so that SQLite compares moments correctly across offsets."""
    from datetime import UTC

    if ts.tzinfo is None:
        msg = "timestamps must be timezone-aware"
        raise ValueError(msg)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
