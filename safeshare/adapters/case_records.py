"""The case-record application: one `eventsourcing` Application per school."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from domain.concern import Concern
from domain.referral import Referral
from safeshare.adapters.case_index import (
    INDEX_KWARG,
    INDEX_VERSION,
    KEY_TOPICS,
    CaseIndexRows,
    KeyChange,
    deadline_started,
    index_rows,
    key_changes,
    net_keys,
    referral_row,
)
from safeshare.adapters.persistence import TIMESTAMPS_KWARG, AsOfRecorder, DateAsISO, SealedAsDict
from safeshare.adapters.synced_cache import SyncedRepository

A = TypeVar("A", bound=Aggregate)


class CaseRecords(Application[UUID]):
    """Concerns, children, referrals and the agency directory of one school."""

    name = "safeshare"

    def __init__(self, env: dict[str, str], clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._keep_event_times = False
        super().__init__(env=env)
        if self.index.case_index_version() != INDEX_VERSION:
            self.rebuild_case_index()

    def close(self) -> None:
        self.index.release()
        super().close()

    @contextmanager
    def generating_history(self) -> Iterator[None]:
        """Save events with the times they were given: only for generating a synthetic history
        (test fixtures and benchmarks), never for a person's command."""
        self._keep_event_times = True
        try:
            yield
        finally:
            self._keep_event_times = False

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SealedAsDict())
        transcoder.register(DateAsISO())

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        self._stamp(processing_event)
        processing_event.saved_kwargs[TIMESTAMPS_KWARG] = [
            (e.originator_id, cast(Any, e).timestamp, e.originator_version)
            for e in processing_event.events
        ]
        processing_event.saved_kwargs[INDEX_KWARG] = index_rows(
            processing_event.events, processing_event.aggregates
        )
        try:
            recordings = super()._record(processing_event)
        except IntegrityError:
            if isinstance(self.repository, SyncedRepository):
                self.repository.check_again()  # a retry must see what the other wrote
            raise
        if isinstance(self.repository, SyncedRepository):
            # A generated history keeps its events' times but not its aggregates' dates.
            self.repository.note_saved(
                processing_event.aggregates.values(),
                recordings,
                keep=not self._keep_event_times,
            )
        return recordings

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository, but a cached aggregate is fast-forwarded only when
        something else wrote since (`synced_cache.py`)."""
        plain = super().construct_repository()
        if plain.cache is None:
            return plain
        synced = SyncedRepository(
            self.recorder, event_store=plain.event_store, snapshot_store=plain.snapshot_store
        )
        synced.cache = plain.cache
        synced.deepcopy_from_cache = plain.deepcopy_from_cache
        return synced

    def checked_once(self) -> AbstractContextManager[None]:
        """For a page that reads many records: whether anything else wrote is asked once, at
        its first read (`SyncedRepository.checked_once`); the page reads the store as it stood
        then, plus its own saves."""
        if isinstance(self.repository, SyncedRepository):
            return self.repository.checked_once()
        return nullcontext()

    @property
    def index(self) -> AsOfRecorder:
        """The recorder's side tables: as-of versions and the case index."""
        recorder = cast(Any, self.recorder)
        assert isinstance(recorder, AsOfRecorder)
        return recorder

    def rebuild_case_index(self) -> None:
        """Write the case index from the whole log: once, when a store made before the index
        (or with an older one) is first opened. Reading everything is this job."""
        rows = CaseIndexRows()
        referral_ids: list[UUID] = []
        changes: list[KeyChange] = []
        position = 0
        topics = [Concern.Raised.TOPIC, Referral.Prepared.TOPIC, *KEY_TOPICS]
        while True:
            page = self.recorder.select_notifications(
                start=position, limit=1000, topics=topics, inclusive_of_start=False
            )
            if not page:
                break
            for n in page:
                event: Any = self.mapper.to_domain_event(n)
                changes.extend(key_changes(event))
                if isinstance(event, Concern.Raised):
                    rows.concerns.append((event.child_id, event.originator_id))
                elif isinstance(event, Referral.Prepared):
                    referral_ids.append(event.originator_id)
            position = page[-1].id
        rows.keys = net_keys(changes)
        for rid in referral_ids:
            referral = self.get(rid, Referral)
            started = deadline_started(self.repository.event_store.get(rid))
            rows.referrals.append(referral_row(referral, referral.modified_on, started))
        self.index.write_case_index(rows, INDEX_VERSION)

    def _stamp(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Every event saved together carries the application's clock, not the library's.

        `eventsourcing` stamps an event with the real time when it is triggered; the school's
        record must carry the one clock the composition root injected (the same clock that
        validates inputs and computes deadlines), so the event is re-stamped here, before it is
        recorded, and the aggregate's own dates follow it, exactly as a replay would set them.
        """
        if self._keep_event_times:
            return
        now = self.clock()
        if now.tzinfo is None:
            msg = "the application clock must give timezone-aware times"
            raise ValueError(msg)
        for e in processing_event.events:
            object.__setattr__(e, "timestamp", now)
        created = {e.originator_id for e in processing_event.events if e.originator_version == 1}
        for aggregate in processing_event.aggregates.values():
            state = cast(Any, aggregate)
            state._modified_on = now
            if aggregate.id in created:
                state._created_on = now

    def get(self, aggregate_id: UUID, kind: type[A], version: int | None = None) -> A:
        """The aggregate of the expected kind (a concern id given for a child is an error)."""
        aggregate: Any = self.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, kind):
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def read(self, aggregate_id: UUID, kind: type[A]) -> A:
        """For reading only: the cached aggregate itself, not a deep copy. Never mutate what
        this returns (commands use `get`, which hands out a private copy)."""
        aggregate: Any = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        if not isinstance(aggregate, kind):
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        try:
            return self.get(aggregate_id, kind)
        except AggregateNotFoundError:
            return None

    def find_read(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """`read` (the cached aggregate itself: never mutate it), or None when there is none."""
        try:
            return self.read(aggregate_id, kind)
        except AggregateNotFoundError:
            return None

    def version_at(self, aggregate_id: UUID, at: datetime) -> int | None:
        """The version of an aggregate as it stood at `at` (from the timestamp side table)."""
        return self.index.version_at(aggregate_id, at)

    def last_version(self, aggregate_id: UUID) -> int | None:
        """The version of an aggregate's newest event, or None when it has none: one indexed
        read of the newest record, nothing decoded (to append to a log without loading it)."""
        newest = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return newest[0].originator_version if newest else None
