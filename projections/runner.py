"""Following the notification log, exactly once, for any projection.

A projection reads the event store only through an `EventSource` that the composition root
hands it (no import of `safeshare`), and writes only its own tables. Each batch of events is
applied and its tracking position recorded in one transaction of the projection database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
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
        wants_event = self.projection.decode
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT position FROM projection_tracking WHERE name = ?", (self.projection.name,)
            )
            if (int(row[0]) if row else 0) != start:
                return 0  # another runner got there first; nothing applied twice
            for n in notifications:
                event = self.source.decode(n) if wants_event else None
                self.projection.apply(tx, n, event)
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
        with self.db.transaction() as tx:
            self.projection.drop(tx)
            self.projection.create(tx)
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (self.projection.name,))
        return self.catch_up(progress)

    def follow(self, stop: threading.Event, poll_interval: float = 0.5) -> None:
        """Poll the log until `stop` is set (the embedded default; SQLite has no LISTEN)."""
        while not stop.is_set():
            if not self.run_once():
                stop.wait(poll_interval)

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


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
