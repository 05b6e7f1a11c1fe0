"""The school's notification log as projections and the relay see it (ids and positions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder

from projections.runner import SubscriptionLike
from safeshare.adapters.case_records import CaseRecords


class AppEventSource:
    """An `projections.runner.EventSource` over one school's application."""

    def __init__(self, app: CaseRecords) -> None:
        self.app = app

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        return self.app.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )

    def decode(self, notification: Notification) -> DomainEventProtocol[Any]:
        return self.app.mapper.to_domain_event(notification)

    def max_position(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def subscribe(self, after: int) -> SubscriptionLike | None:
        """`eventsourcing`'s LISTEN/NOTIFY subscription on PostgreSQL; None on SQLite, which
        has none (the runner polls instead)."""
        recorder = self.app.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            return recorder.subscribe(gt=after)
        return None
