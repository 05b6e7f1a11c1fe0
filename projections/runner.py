"""Following the notification log, exactly once, for any projection.

A projection reads the event store only through an `EventSource` that the composition root
hands it (no import of `safeshare`), and writes only its own tables. Each batch of events is
applied and its tracking position recorded in one transaction of the projection database.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from projections.db import ProjectionDb, Tx

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking "
    "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)


class EventSource(Protocol):
    """What a projection may read: the school's notification log, raw or decoded."""

    def read(self, after: int, limit: int) -> Sequence[Notification]: ...

    def decode(self, notification: Notification) -> DomainEventProtocol[Any]: ...

    def max_position(self) -> int: ...


class Subscribable(Protocol):
    """An `EventSource` that can also push: on PostgreSQL, `eventsourcing`'s LISTEN/NOTIFY
    subscription (`recorder.subscribe(gt=...)`); `None` where the database cannot (SQLite)."""

    def subscribe(self, after: int) -> SubscriptionLike | None: ...


class SubscriptionLike(AbstractContextManager[Any], Protocol):
    def __iter__(self) -> Iterator[Notification]: ...

    def stop(self) -> None: ...


class Projection(Protocol):
    """One read model. `apply` is called for every notification in order; `decode` says
    whether it wants the decoded domain event (the integrity log does not)."""

    name: str
    decode: bool

    def create(self, tx: Tx) -> None: ...

    def drop(self, tx: Tx) -> None: ...

    def apply(
        self, tx: Tx, notification: Notification, event: DomainEventProtocol[Any] | None
    ) -> None: ...


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


Progress = Callable[[int, int], None]


class Runner:
    """Keeps one projection up to date with the log."""

    def __init__(
        self, projection: Projection, source: EventSource, db: ProjectionDb, batch: int = 500
    ) -> None:
        self.projection = projection
        self.source = source
        self.db = db
        self.batch = batch
        with db.transaction() as tx:
            tx.execute(TRACKING_DDL)
            projection.create(tx)

    def position(self) -> int:
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT position FROM projection_tracking WHERE name = ?", (self.projection.name,)
            )
        return int(row[0]) if row else 0

    def status(self) -> Status:
        return Status(self.projection.name, self.position(), self.source.max_position())

    def run_once(self) -> int:
        """Apply the next batch; returns how many notifications it consumed."""
        start = self.position()
        notifications = self.source.read(start, self.batch)
        if not notifications:
            return 0
        items = decode_all(self.source, notifications, self.projection.decode)
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT position FROM projection_tracking WHERE name = ?", (self.projection.name,)
            )
            if (int(row[0]) if row else 0) != start:
                return 0  # another runner got there first; nothing applied twice
            apply_items(self.projection, tx, items)
            self._track(tx, notifications[-1].id)
        return len(notifications)

    def catch_up(self, progress: Progress | None = None) -> int:
        total = 0
        head = self.source.max_position()
        while True:
            done = self.run_once()
            if not done:
                return total
            total += done
            if progress is not None:
                progress(self.position(), head)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop the projection's tables and build them again from the start of the log."""
        with self.db.transaction(dropping=True) as tx:
            self.projection.drop(tx)
            self.projection.create(tx)
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (self.projection.name,))
        return self.catch_up(progress)

    def follow(
        self,
        stop: threading.Event,
        poll_interval: float = 0.5,
        ready: threading.Event | None = None,
    ) -> None:
        """Keep up with the log until `stop` is set.

        DESIGN.md: "`eventsourcing` 9.5 subscriptions work on PostgreSQL (LISTEN/NOTIFY) but
        not on SQLite: on the embedded default a runner polls the notification log". Where the
        source offers a subscription, each notification it pushes wakes the runner, which then
        catches up in batches (a notification already applied is skipped); otherwise it polls.
        `ready` is set once the runner is caught up and listening (or polling).
        """
        subscribe = getattr(self.source, "subscribe", None)
        subscription = subscribe(self.position()) if subscribe is not None else None
        if subscription is None:
            if ready is not None:
                ready.set()
            while not stop.is_set():
                if not self.run_once():
                    stop.wait(poll_interval)
            return
        stopper = threading.Thread(target=lambda: (stop.wait(), subscription.stop()), daemon=True)
        stopper.start()
        with subscription:
            self.catch_up()
            if ready is not None:
                ready.set()
            for notification in subscription:
                if stop.is_set():
                    break
                if notification.id > self.position():
                    self.catch_up()

    def _track(self, tx: Tx, position: int) -> None:
        if tx.dialect == "sqlite":
            tx.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET position = excluded.position",
                (self.projection.name, position),
            )
        else:
            tx.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position",
                (self.projection.name, position),
            )


Item = tuple[Notification, DomainEventProtocol[Any] | None]


def decode_all(
    source: EventSource, notifications: Sequence[Notification], decode: bool
) -> list[Item]:
    return [(n, source.decode(n) if decode else None) for n in notifications]


def apply_items(projection: Projection, tx: Tx, items: Sequence[Item]) -> None:
    """A projection with `apply_batch` gets the whole batch (one load, one write); any other
    gets `apply` per notification."""
    apply_batch = getattr(projection, "apply_batch", None)
    if apply_batch is not None:
        apply_batch(tx, items)
        return
    for n, event in items:
        projection.apply(tx, n, event)


def rebuild_together(
    runners: Sequence[Runner], progress: Progress | None = None, batch: int = 5000
) -> int:
    """Rebuild several projections that share one source and one database in a single pass:
    each batch of the log is read and decoded once and applied to every projection, with every
    projection's tracking position, in one transaction. Rebuilding four read models then costs
    one read of the log, not four."""
    if not runners:
        return 0
    source, db = runners[0].source, runners[0].db
    if any(r.source is not source or r.db is not db for r in runners):
        return sum(r.rebuild(progress) for r in runners)
    with db.transaction(dropping=True) as tx:
        for r in runners:
            r.projection.drop(tx)
            create_tables = getattr(r.projection, "create_tables", None)
            (create_tables or r.projection.create)(tx)  # indexes once the tables are full
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (r.projection.name,))
    decode = any(r.projection.decode for r in runners)
    head = source.max_position()
    position, total = 0, 0
    with db.bulk(), _cycle_collector_paused():
        try:
            while notifications := source.read(position, batch):
                position = notifications[-1].id
                items = decode_all(source, notifications, decode)
                with db.transaction() as tx:
                    for r in runners:
                        apply_items(r.projection, tx, items)
                        r._track(tx, position)
                total += len(notifications)
                if progress is not None:
                    progress(position, max(head, position))
        finally:  # a rebuild stopped half way still leaves tables that can be read at speed
            with db.transaction() as tx:
                for r in runners:
                    create_indexes = getattr(r.projection, "create_indexes", None)
                    if create_indexes is not None:
                        create_indexes(tx)
    return total


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A rebuild makes no reference cycles (none were left to collect after 200,000 events) but
    keeps large caches alive (id maps, memoised ids and times), and CPython's cycle collector
    walked them again and again: a fifth of a rebuild's time at 200,000 events. It is paused
    for the rebuild (process-wide: anything cyclic made meanwhile is collected once it is back
    on); objects are still freed by reference counting as they are let go."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
