"""A school's long history written in bulk: millions of events, for measuring cost as it grows.

The cases are `harness.history.case` (realistic lives: consent, decisions, referrals,
deliveries, failures, views, reviews, closures), at a steady rate of cases a day, so that a
bigger store is a *longer* history, not a busier school. Work older than `settled_days` is
finished as a school finishes it: the concern closed, a referral left failed, dispatched or
escalated retried and delivered (the reconciler escalates anything past its deadline and the
DSL resolves it), a retention review that has fallen due done (the next one set in the
future), so what is open is what a school has open now.

Events are encoded by the application's own mapper (JSON, compressed, encrypted) and written
through the recorder in large batches, with their `event_timestamps` and case-index rows, in
the same transactions as a save would: not one command at a time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral, ReferralStatus
from harness.history import DSL, _sealed, case
from safeshare.adapters.case_index import INDEX_KWARG, index_rows
from safeshare.adapters.case_records import CaseRecords
from safeshare.adapters.persistence import TIMESTAMPS_KWARG

Progress = Callable[[int], None]


def _stamp_new(aggregate: Aggregate, already: int, moment: datetime) -> None:
    for e in aggregate._pending_events[already:]:
        object.__setattr__(e, "timestamp", moment)


def settle(
    aggregates: list[Aggregate], raised: datetime, now: datetime, rng: random.Random
) -> None:
    """Finish an old case as the school did: referrals delivered, the concern closed, a review
    that has fallen due done."""
    later = raised + timedelta(days=rng.randrange(1, 20))
    for a in aggregates:
        n = len(a._pending_events)
        if isinstance(a, Referral) and a.status is not ReferralStatus.DELIVERED:
            if a.status in (ReferralStatus.FAILED, ReferralStatus.ESCALATED):
                a._retry_requested(requested_by=DSL)
            a._dispatched(
                attempt=a.attempts + 1,
                channel="smtp",
                packet_id=str(uuid4()),
                packet_sha256="0" * 64,
            )
            a._delivered(receipt="250 OK")
        elif isinstance(a, Concern):
            if not a.closed:
                a._closed(reason="no further action", closed_by=DSL)
            due = a.retention_next_review
            if due is not None and due <= now.date():
                _stamp_new(a, n, later)
                n = len(a._pending_events)
                a._retention_reviewed(
                    outcome="keep",
                    reason="open child-protection plan",
                    next_review=(now + timedelta(days=rng.randrange(30, 3650))).date(),
                    reviewed_by=DSL,
                )
                later = now - timedelta(days=rng.randrange(1, 30))
        _stamp_new(a, n, later)


def bulk_generate(
    app: CaseRecords,
    events: int,
    per_day: float,
    seed: int = 16,
    settled_days: int = 30,
    batch: int = 5_000,
    progress: Progress | None = None,
) -> int:
    """Write about `events` events spanning `events / per_day` days up to yesterday."""
    rng = random.Random(seed)
    now = app.clock()
    span = max(1.0, events / per_day)
    start = now - timedelta(days=span + 1)
    settled_before = now - timedelta(days=settled_days)
    written = 0
    pending: list[Aggregate] = []
    pending_events = 0
    children: list[UUID] = []
    while written + pending_events < events:
        raised = start + timedelta(days=span * (written + pending_events) / events)
        raised = raised.replace(hour=8) + timedelta(minutes=rng.randrange(540))
        if not children or rng.random() < 0.3:
            child = Child(
                id=uuid4(),
                name=_sealed(rng, "child.name"),
                date_of_birth=_sealed(rng, "child.dob"),
                upn=None,
                nhs_number=None,
                address=None,
                registered_by="Office",
            )
            _stamp_new(child, 0, raised - timedelta(days=1))
            pending.append(child)
            children.append(child.id)
            pending_events += 1
        recent = children[-200:]
        aggregates = case(rng, rng.choice(recent), raised)
        if raised < settled_before:
            settle(aggregates, raised, now, rng)
        pending += aggregates
        pending_events += sum(len(a._pending_events) for a in aggregates)
        if pending_events >= batch:
            written += write(app, pending)
            pending, pending_events = [], 0
            if progress is not None:
                progress(written)
    if pending:
        written += write(app, pending)
    return written


def write(app: CaseRecords, aggregates: list[Aggregate]) -> int:
    """Encode the aggregates' pending events and insert them in one transaction, with the
    side-table rows `CaseRecords._record` would have written."""
    by_id: dict[UUID, Any] = {}
    events: list[Any] = []
    for a in aggregates:
        by_id[a.id] = a
        events += a.collect_events()
    app.recorder.insert_events(
        [app.mapper.to_stored_event(e) for e in events],
        **{
            TIMESTAMPS_KWARG: [
                (e.originator_id, e.timestamp, e.originator_version) for e in events
            ],
            INDEX_KWARG: index_rows(events, by_id),
        },
    )
    return len(events)
