"""The event store on SQLite: the library's recorder with the side tables (`persistence.py`)
written in the same transaction as the events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from safeshare.adapters.case_index import (
    INDEX_KWARG,
    CaseIndexRows,
    ReferralRow,
    from_utc_text,
    runs,
    utc_text,
)
from safeshare.adapters.persistence import (
    REFERRAL_COLUMNS,
    REFERRAL_UPDATE,
    TIMESTAMPS_KWARG,
    AsOfRecorder,
    EventTimestamps,
)
from safeshare.adapters.sqlite_head import SQLiteHead


class SafeshareSQLiteRecorder(SQLiteApplicationRecorder, AsOfRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.insert_timestamps_statement = "INSERT INTO event_timestamps VALUES (?, ?, ?)"
        self.select_version_statement = (
            "SELECT max(originator_version) FROM event_timestamps "
            "WHERE originator_id = ? AND timestamp <= ?"
        )
        pool = datastore.pool
        self._head = (
            None
            if pool.is_sqlite_memory_mode
            else SQLiteHead(
                pool.db_name,
                self.select_max_notification_id_statement,
                timeout=pool.lock_timeout or 5,
            )
        )

    def max_notification_id(self) -> int:
        """Read on a connection of its own, which answers without a query when nothing was
        committed since it last looked (`sqlite_head.py`)."""
        if self._head is None:
            return super().max_notification_id()
        return self._head.max_notification_id(super().max_notification_id)

    def release(self) -> None:
        if self._head is not None:
            self._head.close()

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
            "CREATE TABLE IF NOT EXISTS record_keys ("
            "kind TEXT NOT NULL, key TEXT NOT NULL, record_id TEXT NOT NULL, "
            "PRIMARY KEY (kind, key, record_id))",
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
        for added, keys in runs(index.keys):
            c.executemany(
                "INSERT OR IGNORE INTO record_keys VALUES (?, ?, ?)"
                if added
                else "DELETE FROM record_keys WHERE kind = ? AND key = ? AND record_id = ?",
                [(kind, key, rid.hex) for kind, key, rid in keys],
            )
        if index.concerns:
            c.executemany(
                "INSERT OR IGNORE INTO concern_children VALUES (?, ?)",
                [(child.hex, concern.hex) for child, concern in index.concerns],
            )
        if index.referrals:
            c.executemany(
                f"INSERT INTO referral_states AS r ({REFERRAL_COLUMNS}) "
                f"VALUES ({', '.join('?' * 12)}) "
                f"ON CONFLICT (referral_id) DO UPDATE SET {REFERRAL_UPDATE}",
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
        sql = f"SELECT {REFERRAL_COLUMNS} FROM referral_states"
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

    def records_keyed(self, kind: str, key: str = "") -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT record_id FROM record_keys WHERE kind = ? AND key = ? ORDER BY rowid",
                (kind, key),
            )
            return [UUID(row[0]) for row in c.fetchall()]

    def events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        if not originator_ids:
            return []
        marks = ", ".join("?" * len(originator_ids))
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {self.events_table_name} WHERE originator_id IN ({marks}) "
                "ORDER BY originator_id, originator_version",
                [i.hex for i in originator_ids],
            )
            return [
                StoredEvent(
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
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
