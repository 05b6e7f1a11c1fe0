"""The event store on PostgreSQL: the library's recorder with the side tables
(`persistence.py`) written in the same transaction as the events."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.errors import DuplicateObject
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from safeshare.adapters.case_index import INDEX_KWARG, CaseIndexRows, ReferralRow, runs, utc
from safeshare.adapters.persistence import (
    REFERRAL_COLUMNS,
    REFERRAL_UPDATE,
    TIMESTAMPS_KWARG,
    AsOfRecorder,
    EventTimestamps,
)


def binary_events(statement: Composed) -> Composed:
    """The library's insert, its array of events sent in PostgreSQL's binary format (`%b`)
    instead of text: the same rows, but a state is copied as it is rather than written out
    as hex and escaped inside a composite literal (for a 5 KB frozen packet, most of the
    save's time in the client)."""
    text = statement.as_string()
    if text.count("unnest(%s::") != 1:
        return statement  # not the statement this was written for: leave it as it is
    return Composed([SQL(text.replace("unnest(%s::", "unnest(%b::"))])


class SafesharePostgresRecorder(PostgresApplicationRecorder, AsOfRecorder):
    def __init__(self, datastore: PostgresDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_events_statement = binary_events(self.insert_events_statement)
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
                "CREATE TABLE IF NOT EXISTS {}.record_keys ("
                "seq bigserial, kind text NOT NULL, key text NOT NULL, record_id uuid NOT NULL, "
                "PRIMARY KEY (kind, key, record_id))"
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
            + REFERRAL_COLUMNS
            + ") VALUES ("
            + ", ".join(["%s"] * 12)
            + ") ON CONFLICT (referral_id) DO UPDATE SET "
            + REFERRAL_UPDATE
        ).format(schema)
        self.select_concerns_statement = SQL(
            "SELECT concern_id FROM {}.concern_children WHERE child_id = %s ORDER BY seq"
        ).format(schema)
        self.select_referrals_statement = SQL(
            "SELECT " + REFERRAL_COLUMNS + " FROM {}.referral_states"
        ).format(schema)
        self.insert_key_statement = SQL(
            "INSERT INTO {}.record_keys (kind, key, record_id) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING"
        ).format(schema)
        self.delete_key_statement = SQL(
            "DELETE FROM {}.record_keys WHERE kind = %s AND key = %s AND record_id = %s"
        ).format(schema)
        self.select_keyed_statement = SQL(
            "SELECT record_id FROM {}.record_keys WHERE kind = %s AND key = %s ORDER BY seq"
        ).format(schema)
        self.select_events_of_statement = SQL(
            "SELECT * FROM {}.{} WHERE originator_id = ANY(%s) "
            "ORDER BY originator_id, originator_version"
        ).format(schema, Identifier(self.events_table_name))
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

    def create_table(self) -> None:
        """The library's statements, in one transaction under an advisory lock on the schema.

        Every process that opens a school's store runs them (the web's workers, the relay, the
        Celery workers, the projections runner): the library's `CREATE OR REPLACE FUNCTION`
        rewrites its catalogue row each time, and two processes doing so at the same instant
        fail with "tuple concurrently updated" (a request answered 500, a task retried; found
        by `make load`). Under the lock they take turns. `CREATE TYPE` has no `IF NOT EXISTS`:
        it runs in a savepoint, and an existing type is kept."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                    "safeshare event store " + self.datastore.schema
                )
            )
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    with contextlib.suppress(DuplicateObject), curs.connection.transaction():
                        curs.execute(statement, prepare=False)
                else:
                    curs.execute(statement, prepare=False)
        self.datastore.register_type_adapters()

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The side tables go in after the events (once their ids are read), under the
        library's table lock, so that the index's order is the order of the log.

        The events' times too: written before the events, a concurrent writer's conflict
        surfaced on them first, aborting the pipeline before the library's prepared
        statements were parsed, and psycopg then took them for prepared on that pooled
        connection ("prepared statement does not exist" on every later save). After the
        events, the library's insert meets the conflict, as it expects to."""
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        rows: EventTimestamps = kwargs.get(TIMESTAMPS_KWARG) or []
        if rows:
            curs.executemany(self.insert_timestamps_statement, rows)
        index: CaseIndexRows | None = kwargs.get(INDEX_KWARG)
        if index:
            self._write_index(curs, index)
        return ids

    def _write_index(self, curs: Cursor[DictRow], index: CaseIndexRows) -> None:
        for added, keys in runs(index.keys):
            curs.executemany(
                self.insert_key_statement if added else self.delete_key_statement, keys
            )
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

    def records_keyed(self, kind: str, key: str = "") -> list[UUID]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_keyed_statement, (kind, key))
            return [row["record_id"] for row in curs.fetchall()]

    def events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        if not originator_ids:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_events_of_statement, (list(originator_ids),))
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
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
