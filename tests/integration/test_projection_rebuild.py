"""A rebuild builds its tables' indexes once the rows are in: they are there when it is done, and
when it stops half way; and the settings it changes for the bulk load are put back."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from harness.history import generate
from projections.db import CHECKPOINT_PAGES, ProjectionDb
from projections.runner import EventSource, Runner, rebuild_together
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare


def indexes(db: ProjectionDb) -> set[str]:
    """The secondary indexes of the projections' tables (not those behind primary keys)."""
    with db.transaction() as tx:
        if tx.dialect == "sqlite":
            rows = tx.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        else:
            rows = tx.fetchall(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexdef LIKE 'CREATE INDEX%'"
            )
    return {str(r[0]) for r in rows}


def test_a_rebuild_leaves_the_read_models_indexed(school: Safeshare) -> None:
    generate(school.app, 600, seed=5, per_save=60)
    ps.runners(school)  # making the runners makes the tables, with their indexes
    db = school.projection_db()
    made = indexes(db)
    assert {"audit_trail_record", "chronology_child", "worklist_records_pending"} <= made
    assert ps.rebuild(school) == school.event_source().max_position()
    assert indexes(db) == made
    assert gc.isenabled()


class StopsHalfWay:
    """The school's log, until the second page: then reading fails (a lost connection)."""

    def __init__(self, source: EventSource) -> None:
        self.source, self.reads = source, 0

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        self.reads += 1
        if self.reads > 1:
            raise ConnectionError("the event store went away")
        return self.source.read(after, limit)

    def decode(self, notification: Notification) -> DomainEventProtocol[Any]:
        return self.source.decode(notification)

    def max_position(self) -> int:
        return self.source.max_position()


def test_a_rebuild_stopped_half_way_still_leaves_them_indexed(sqlite_school: Safeshare) -> None:
    s = sqlite_school
    generate(s.app, 600, seed=6, per_save=60)
    ps.runners(s)
    db = s.projection_db()
    made = indexes(db)
    source = StopsHalfWay(s.event_source())
    runners = [Runner(p, source, db) for p in ps.school_projections(ps.staff_names(s)).values()]
    with pytest.raises(ConnectionError):
        rebuild_together(runners, batch=200)
    assert 0 < runners[0].position() < s.event_source().max_position()  # the first page is in
    assert indexes(db) == made
    assert gc.isenabled()
    with db.transaction() as tx:
        assert tx.fetchone("PRAGMA wal_autocheckpoint") == (CHECKPOINT_PAGES,)
