"""Timeliness: each concern's and referral's steps, kept as times, measured against the
standards when read.

Issue 6: "for each concern and referral, the time of each step against the standards in
DESIGN.md ..., the breaches, and aggregates per month". The table keeps when each step began
and ended; `projections.standards` turns those into deadlines and breaches with the school's
calendar and targets at the time of reading, so a changed closure list or target needs no
rebuild. Metrics keep no personal data, so they survive an erasure unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from projections.batch import BatchProjection, Item, StateTable, drop_tables
from projections.casefolds import State, fold_batch
from projections.db import Tx
from projections.standards import Standards, StepResult, concern_steps, referral_steps
from projections.workdays import Calendar

# what the standards are measured from (`projections.standards`); nothing else is kept
KEEP = frozenset(
    {
        "kind",
        "id",
        "concern_id",
        "agency_kind",
        "urgent",
        "raised_at",
        "decided_at",
        "prepared_at",
        "dispatched_at",
        "delivered_at",
        "acknowledged_at",
        "receipt_at",
    }
)


class Timeliness(BatchProjection):
    name = "timeliness"
    decode = True

    def __init__(self) -> None:
        self.table = StateTable("timeliness_records", ("kind", "started_at"))

    indexes = ("CREATE INDEX IF NOT EXISTS timeliness_started ON timeliness_records (started_at)",)

    def create_tables(self, tx: Tx) -> None:
        for statement in self.table.ddl(tx.dialect):
            tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, self.table)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        changed = fold_batch(items, lambda keys: self.table.load(tx, keys), KEEP)
        self.table.save(tx, changed, _index)

    def states(
        self, tx: Tx, start: datetime | None = None, end: datetime | None = None
    ) -> list[State]:
        """Records whose first step began in [start, end)."""
        where, params = [], []
        if start is not None:
            where.append("started_at >= ?")
            params.append(start.astimezone(UTC).isoformat())
        if end is not None:
            where.append("started_at < ?")
            params.append(end.astimezone(UTC).isoformat())
        return self.table.all(tx, " AND ".join(where), params)


def _index(s: State) -> tuple[str, str]:
    start = s.get("raised_at") if s.get("kind") == "concern" else s.get("prepared_at")
    return str(s.get("kind")), str(start or "")


def steps(states: Sequence[State], std: Standards, cal: Calendar) -> list[StepResult]:
    out: list[StepResult] = []
    for s in states:
        if s.get("kind") == "concern":
            out += concern_steps(s, std, cal)
        elif s.get("kind") == "referral":
            out += referral_steps(s, std, cal)
    return out
