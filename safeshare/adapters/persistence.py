"""The event store: `eventsourcing` recorders extended with side tables kept in the same
transaction as the events, following the library's "searchable timestamps" example.

- `event_timestamps`: as-of replay needs the version of an aggregate at a moment (DESIGN.md);
  each save records `(originator_id, timestamp, version)` for every event.
- the case index (`safeshare/adapters/case_index.py`): a child's concerns and each referral's
  current state, so that nothing done often reads the whole log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
from safeshare.adapters.case_index import (
    INDEX_KWARG,
    CaseIndexRows,
    ReferralRow,
    from_utc_text,
    utc,
    utc_text,
)

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
    """What the application needs for as-of reads and the case index, on either database."""

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        raise NotImplementedError

    def concerns_of_child(self, child_id: UUID) -> list[UUID]:
        """The child's concerns, in the order they were raised."""
        raise NotImplementedError

    def referral_rows(self, statuses: Collection[str] | None = None) -> list[ReferralRow]:
        """Referrals in the order they were prepared, only those in `statuses` if given."""
        raise NotImplementedError

    def case_index_version(self) -> int | None:
        raise NotImplementedError

    def write_case_index(self, rows: CaseIndexRows, version: int | None = None) -> None:
        """Write rows in their own transaction (a rebuild), marking the index `version`."""
        raise NotImplementedError


_REFERRAL_COLUMNS = (
    "referral_id, concern_id, agency_id, status, urgent, attempts, last_error, "
    "escalation_reason, receipt, updated_at, started_at, version"
)
_REFERRAL_UPDATE = (
    "status = excluded.status, urgent = excluded.urgent, attempts = excluded.attempts, "
    "last_error = excluded.last_error, escalation_reason = excluded.escalation_reason, "
    "receipt = excluded.receipt, updated_at = excluded.updated_at, "
    "started_at = COALESCE(excluded.started_at, r.started_at), version = excluded.version "
    "WHERE excluded.version > r.version"
)


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
        statements += [
            "CREATE TABLE IF NOT EXISTS concern_children ("
            "child_id TEXT NOT NULL, concern_id TEXT NOT NULL, "
            "PRIMARY KEY (child_id, concern_id))",
            "CREATE TABLE IF NOT EXISTS referral_states ("
            "referral_id TEXT PRIMARY KEY, concern_id TEXT NOT NULL, agency_id TEXT NOT NULL, "
            "status TEXT NOT NULL, urgent INTEGER NOT NULL, attempts INTEGER NOT NULL, "
            "last_error TEXT, escalation_reason TEXT, receipt TEXT, "
            "updated_at TEXT NOT NULL, started_at TEXT, version INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS referral_states_status ON referral_states (status)",
            "CREATE TABLE IF NOT EXISTS case_index_state ("
            "name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        ]
        return statements

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows: EventTimestamps = kwargs.get(TIMESTAMPS_KWARG) or []
        if rows:
            c.executemany(
                self.insert_timestamps_statement,
                [(oid.hex, utc_text(ts), v) for oid, ts, v in rows],
            )
        index: CaseIndexRows | None = kwargs.get(INDEX_KWARG)
        if index:
            self._write_index(c, index)
        return ids

    def _write_index(self, c: SQLiteCursor, index: CaseIndexRows) -> None:
        if index.concerns:
            c.executemany(
                "INSERT OR IGNORE INTO concern_children VALUES (?, ?)",
                [(child.hex, concern.hex) for child, concern in index.concerns],
            )
        if index.referrals:
            c.executemany(
                f"INSERT INTO referral_states AS r ({_REFERRAL_COLUMNS}) "
                f"VALUES ({', '.join('?' * 12)}) "
                f"ON CONFLICT (referral_id) DO UPDATE SET {_REFERRAL_UPDATE}",
                [
                    (
                        r.referral_id.hex,
                        r.concern_id.hex,
                        r.agency_id,
                        r.status,
                        int(r.urgent),
                        r.attempts,
                        r.last_error,
                        r.escalation_reason,
                        r.receipt,
                        utc_text(r.updated_at),
                        None if r.started_at is None else utc_text(r.started_at),
                        r.version,
                    )
                    for r in index.referrals
                ],
            )

    def concerns_of_child(self, child_id: UUID) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT concern_id FROM concern_children WHERE child_id = ? ORDER BY rowid",
                (child_id.hex,),
            )
            return [UUID(row[0]) for row in c.fetchall()]

    def referral_rows(self, statuses: Collection[str] | None = None) -> list[ReferralRow]:
        sql = f"SELECT {_REFERRAL_COLUMNS} FROM referral_states"
        params: tuple[str, ...] = ()
        if statuses is not None:
            params = tuple(statuses)
            sql += f" WHERE status IN ({', '.join('?' * len(params))})"
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql + " ORDER BY rowid", params)
            return [
                ReferralRow(
                    referral_id=UUID(row[0]),
                    concern_id=UUID(row[1]),
                    agency_id=row[2],
                    status=row[3],
                    urgent=bool(row[4]),
                    attempts=int(row[5]),
                    last_error=row[6],
                    escalation_reason=row[7],
                    receipt=row[8],
                    updated_at=from_utc_text(row[9]),
                    started_at=None if row[10] is None else from_utc_text(row[10]),
                    version=int(row[11]),
                )
                for row in c.fetchall()
            ]

    def case_index_version(self) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT version FROM case_index_state WHERE name = 'case_index'")
            row = c.fetchone()
        return None if row is None else int(row[0])

    def write_case_index(self, rows: CaseIndexRows, version: int | None = None) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._write_index(c, rows)
            if version is not None:
                c.execute(
                    "INSERT OR REPLACE INTO case_index_state VALUES ('case_index', ?)", (version,)
                )

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_version_statement, (originator_id.hex, utc_text(at)))
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
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.concern_children ("
                "seq bigserial, child_id uuid NOT NULL, concern_id uuid NOT NULL, "
                "PRIMARY KEY (child_id, concern_id))"
            ).format(schema),
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.referral_states ("
                "seq bigserial, referral_id uuid PRIMARY KEY, concern_id uuid NOT NULL, "
                "agency_id text NOT NULL, status text NOT NULL, urgent boolean NOT NULL, "
                "attempts integer NOT NULL, last_error text, escalation_reason text, "
                "receipt text, updated_at timestamptz NOT NULL, started_at timestamptz, "
                "version bigint NOT NULL)"
            ).format(schema),
            SQL(
                "CREATE INDEX IF NOT EXISTS referral_states_status "
                "ON {}.referral_states (status, seq)"
            ).format(schema),
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.case_index_state ("
                "name text PRIMARY KEY, version integer NOT NULL)"
            ).format(schema),
        ]
        self.insert_concern_child_statement = SQL(
            "INSERT INTO {}.concern_children (child_id, concern_id) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING"
        ).format(schema)
        self.upsert_referral_statement = SQL(
            "INSERT INTO {}.referral_states AS r ("
            + _REFERRAL_COLUMNS
            + ") VALUES ("
            + ", ".join(["%s"] * 12)
            + ") ON CONFLICT (referral_id) DO UPDATE SET "
            + _REFERRAL_UPDATE
        ).format(schema)
        self.select_concerns_statement = SQL(
            "SELECT concern_id FROM {}.concern_children WHERE child_id = %s ORDER BY seq"
        ).format(schema)
        self.select_referrals_statement = SQL(
            "SELECT " + _REFERRAL_COLUMNS + " FROM {}.referral_states"
        ).format(schema)
        self.select_index_version_statement = SQL(
            "SELECT version FROM {}.case_index_state WHERE name = 'case_index'"
        ).format(schema)
        self.mark_index_statement = SQL(
            "INSERT INTO {}.case_index_state VALUES ('case_index', %s) "
            "ON CONFLICT (name) DO UPDATE SET version = excluded.version"
        ).format(schema)
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

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The index rows go in after the events (once their ids are read), under the
        library's table lock, so that their order is the order of the log."""
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        index: CaseIndexRows | None = kwargs.get(INDEX_KWARG)
        if index:
            self._write_index(curs, index)
        return ids

    def _write_index(self, curs: Cursor[DictRow], index: CaseIndexRows) -> None:
        if index.concerns:
            curs.executemany(self.insert_concern_child_statement, index.concerns)
        if index.referrals:
            curs.executemany(
                self.upsert_referral_statement,
                [
                    (
                        r.referral_id,
                        r.concern_id,
                        r.agency_id,
                        r.status,
                        r.urgent,
                        r.attempts,
                        r.last_error,
                        r.escalation_reason,
                        r.receipt,
                        r.updated_at,
                        r.started_at,
                        r.version,
                    )
                    for r in index.referrals
                ],
            )

    def concerns_of_child(self, child_id: UUID) -> list[UUID]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_concerns_statement, (child_id,))
            return [row["concern_id"] for row in curs.fetchall()]

    def referral_rows(self, statuses: Collection[str] | None = None) -> list[ReferralRow]:
        statement = self.select_referrals_statement
        params: list[Any] = []
        if statuses is not None:
            statement += SQL(" WHERE status = ANY(%s)")
            params.append(list(statuses))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement + SQL(" ORDER BY seq"), params)
            return [
                ReferralRow(
                    referral_id=row["referral_id"],
                    concern_id=row["concern_id"],
                    agency_id=row["agency_id"],
                    status=row["status"],
                    urgent=bool(row["urgent"]),
                    attempts=int(row["attempts"]),
                    last_error=row["last_error"],
                    escalation_reason=row["escalation_reason"],
                    receipt=row["receipt"],
                    updated_at=utc(row["updated_at"]),
                    started_at=None if row["started_at"] is None else utc(row["started_at"]),
                    version=int(row["version"]),
                )
                for row in curs.fetchall()
            ]

    def case_index_version(self) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_index_version_statement)
            row = curs.fetchone()
        return None if row is None else int(row["version"])

    def write_case_index(self, rows: CaseIndexRows, version: int | None = None) -> None:
        with self.datastore.transaction(commit=True) as curs:
            self._write_index(curs, rows)
            if version is not None:
                curs.execute(self.mark_index_statement, (version,))

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_version_statement, (originator_id, at))
            row = curs.fetchone()
        return None if row is None or row["v"] is None else int(row["v"])
