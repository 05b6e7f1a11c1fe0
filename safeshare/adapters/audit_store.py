"""Reading the event store for the integrity log: every record in order, and where an
aggregate's records sit in the notification log.

Verification reads the records exactly as any projection does (`select_notifications`, in
pages), so what it checks is what is stored. `eventsourcing` selects notifications by position
and events by aggregate, but nothing maps one to the other; replay and export need the position
of each of a case's records to prove it is in the log: one indexed query per database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification, PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.canonical import record_leaf_hashes
from projections.integrity_diagnosis import PositionedLeaf
from safeshare.adapters.case_records import CaseRecords


class StoreUnreadable(ValueError):
    """A stored record no longer reads at all: an integrity finding, not bad input."""


PAGE = 10_000
"""Records read per `select_notifications` call when recomputing the tree."""


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


def read_store(app: CaseRecords, page: int = PAGE) -> Iterator[Sequence[Notification]]:
    """Every stored record in notification order, a page at a time (the same way the
    benchmark's baseline reads them)."""
    recorder = app.recorder
    after = 0
    while True:
        try:
            batch = recorder.select_notifications(start=after, limit=page, inclusive_of_start=False)
        except (PersistenceError, ValueError) as e:
            # An intruder can also alter a row so that it no longer reads at all (say, a state
            # rewritten as text): find it one record at a time and say where.
            last = _last_readable(app, after, page)
            msg = (
                f"the event store cannot be read after position {last}: the next record was "
                f"altered so that it no longer reads ({e.__class__.__name__})"
            )
            raise StoreUnreadable(msg) from e
        if not batch:
            return
        yield batch
        after = batch[-1].id


def _last_readable(app: CaseRecords, after: int, limit: int) -> int:
    """The position of the last record that still reads, walking on from `after`."""
    for _ in range(limit):
        try:
            one = app.recorder.select_notifications(start=after, limit=1, inclusive_of_start=False)
        except (PersistenceError, ValueError):
            return after
        if not one:
            return after
        after = one[0].id
    return after


def store_leaves(app: CaseRecords) -> list[PositionedLeaf]:
    """The leaves recomputed now from the store, with each record's position."""
    out: list[PositionedLeaf] = []
    for batch in read_store(app):
        hashes = record_leaf_hashes(
            (n.originator_id, n.originator_version, n.topic, n.state) for n in batch
        )
        out.extend(zip([n.id for n in batch], hashes, strict=True))  # type: ignore[arg-type]
    return out
