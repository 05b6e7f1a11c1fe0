"""Who looked at a case: reads are part of the audit trail and of the tamper-evident log."""

from __future__ import annotations

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


stable_topics(AccessLog, "safeshare:access")
