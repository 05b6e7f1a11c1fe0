"""Who looked at a case: reads are part of the audit trail and of the tamper-evident log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.topics import stable_topics

_ACCESS_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/access-log")


class AccessLog(CheapCopy, Aggregate):
    """The reads of one record (a concern, a child's chronology, a referral's packet)."""

    class Opened(Aggregate.Created):
        TOPIC = "safeshare:access:opened"
        record_id: UUID

    class RecordViewed(Aggregate.Event):
        TOPIC = "safeshare:access:viewed"
        viewer: str
        action: str

    @staticmethod
    def create_id(record_id: UUID) -> UUID:
        return uuid5(_ACCESS_NAMESPACE, record_id.hex)

    @event(Opened)
    def __init__(self, record_id: UUID) -> None:
        self.record_id = record_id
        self.views = 0

    def record_view(self, viewer: str, action: str) -> None:
        self._viewed(viewer=viewer, action=action)

    @event(RecordViewed)
    def _viewed(self, viewer: str, action: str) -> None:
        self.views += 1

    @staticmethod
    def view_at(
        log_id: UUID, version: int, at: datetime, viewer: str, action: str
    ) -> AccessLog.RecordViewed:
        """The next read, appended at `version` without loading the log (a case read a
        thousand times costs its reader no more than the first read)."""
        # (the library's events are dataclasses; mypy sees only the declared annotations)
        event_class: Any = AccessLog.RecordViewed
        return cast(
            AccessLog.RecordViewed,
            event_class(
                originator_id=log_id,
                originator_version=version,
                timestamp=at,
                viewer=viewer,
                action=action,
            ),
        )


stable_topics(AccessLog, "safeshare:access")
