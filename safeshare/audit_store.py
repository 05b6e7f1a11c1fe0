"""Where an aggregate's stored records sit in the notification log (for inclusion proofs).

`eventsourcing` selects notifications by position and events by aggregate, but nothing maps
one to the other; replay and export need the position of each of a case's records to prove it
is in the log. One indexed query on the store's own table, per database.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from safeshare.app import CaseRecords


def event_positions(app: CaseRecords, aggregate_id: UUID, lte: int) -> dict[int, int]:
    """{originator version: notification position} of the aggregate's records up to `lte`."""
    recorder = cast(Any, app.recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_version, rowid FROM {recorder.events_table_name} "
                "WHERE originator_id = ? AND originator_version <= ?",
                (aggregate_id.hex, lte),
            )
            return {int(r[0]): int(r[1]) for r in c.fetchall()}
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT originator_version AS v, notification_id AS p FROM {}.{} "
            "WHERE originator_id = %s AND originator_version <= %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (aggregate_id, lte))
            return {int(r["v"]): int(r["p"]) for r in curs.fetchall()}
    raise TypeError(f"unsupported event store recorder {type(recorder).__name__}")
