"""Finding a child by a few letters of their name or their UPN.

Issue 13: "search runs over an index held in memory, built by unsealing at start and kept
current from the log; no plaintext name index at rest". The index follows the notification
log (registrations and erasures) from the last position it read, before every search.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog

from domain.child import Child
from domain.errors import InvalidValue
from safeshare.adapters.case_index import CHILDREN
from safeshare.services.context import Context

log = structlog.get_logger("safeshare.child_search")
MAX_RESULTS = 20
BATCH = 500
"""Children read per query when the index is built."""
_TOPICS = (Child.Registered.TOPIC, Child.Erased.TOPIC)


@dataclass(frozen=True)
class ChildMatch:
    child_id: UUID
    name: str
    date_of_birth: str
    upn: str | None


class ChildSearch:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._entries: dict[UUID, ChildMatch] = {}
        self._position = 0
        self._lock = threading.Lock()

    def warm_up(self) -> threading.Thread:
        """Build the index in a background thread, so that the first search finds it ready
        (the web starts this when it opens the school). A search meanwhile waits for it (the
        lock), then catches up as usual. If it fails (the school closed under it), the next
        search builds the index afresh."""
        thread = threading.Thread(target=self._warm, name="roll-search-warm-up", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.catch_up()
        except Exception as e:
            log.warning(
                "roll search warm-up failed; the first search builds it", error=type(e).__name__
            )

    def catch_up(self) -> None:
        with self._lock:
            if self._position == 0:
                self._start()
            while True:
                batch = self.ctx.app.recorder.select_notifications(
                    start=self._position + 1, limit=500, topics=_TOPICS
                )
                if not batch:
                    return
                for n in batch:
                    self._apply(UUID(str(n.originator_id)), n.topic)
                    self._position = n.id

    def _start(self) -> None:
        """The children on the roll from the case index, not from a read of the whole log:
        the head is taken first, so a child registered or erased meanwhile is applied again
        by the catch-up that follows (applying is idempotent). The roll is read in batches:
        one query for a batch's events and one for its keys, each key unwrapped once. The
        index is replaced only once whole (a build that failed part way leaves nothing)."""
        head = self.ctx.app.recorder.max_notification_id() or 0
        roll = self.ctx.app.index.records_keyed(CHILDREN)
        entries: dict[UUID, ChildMatch] = {}
        for i in range(0, len(roll), BATCH):
            entries.update(self._read(roll[i : i + BATCH]))
        self._entries = entries
        self._position = head

    def _read(self, child_ids: list[UUID]) -> dict[UUID, ChildMatch]:
        app = self.ctx.app
        events: dict[UUID, list[Any]] = {}
        for stored in app.index.events_of(child_ids):
            event = app.mapper.to_domain_event(stored)
            events.setdefault(event.originator_id, []).append(event)
        children = [_project(events[c]) for c in child_ids if c in events]
        live = {c.id: c for c in children if isinstance(c, Child) and not c.erased}
        opened = self.ctx.sealer.unseal_many(
            {c: (child.name, child.date_of_birth, child.upn) for c, child in live.items()}
        )
        return {
            child_id: ChildMatch(child_id, name, dob, upn)
            for child_id, (name, dob, upn) in opened.items()
            if name is not None and dob is not None
        }

    def _apply(self, child_id: UUID, topic: str) -> None:
        if topic == Child.Erased.TOPIC:
            self._entries.pop(child_id, None)
            return
        child = self.ctx.app.find(child_id, Child)
        if child is None or child.erased:
            return
        unseal = self.ctx.sealer.unseal
        name = unseal(child_id, child.name)
        dob = unseal(child_id, child.date_of_birth)
        if name is None or dob is None:
            return
        self._entries[child_id] = ChildMatch(child_id, name, dob, unseal(child_id, child.upn))

    def search(self, query: str) -> list[ChildMatch]:
        """Children whose name contains every word typed, or whose UPN is the one typed."""
        words = [w for w in query.lower().split() if w]
        if not words or len(query.strip()) < 2:
            raise InvalidValue("name-or-upn", "enter at least 2 letters of the name, or the UPN")
        self.catch_up()
        found = [
            m
            for m in self._entries.values()
            if (m.upn and m.upn.lower() == query.strip().lower())
            or all(w in m.name.lower() for w in words)
        ]
        found.sort(key=lambda m: m.name.lower())
        return found[:MAX_RESULTS]

    def known(self) -> list[ChildMatch]:
        """Every child on the roll (for the roll import to find who is already there)."""
        self.catch_up()
        return list(self._entries.values())

    def get(self, child_id: UUID) -> ChildMatch | None:
        self.catch_up()
        return self._entries.get(child_id)


def _project(events: list[Any]) -> Any:
    """The record from its events, as the repository builds it (the library's
    `project_aggregate` less its check of each event against a runtime protocol, which was a
    third of the time)."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
