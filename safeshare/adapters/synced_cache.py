"""The aggregate cache, kept current without reading an aggregate's events on every get.

The library's cache fast-forwards a cached aggregate on each get: one query for its newer
events, and, after our own save, decoding (decrypting, decompressing) the events we had just
written. Here the repository remembers up to which notification id the cache is known to be
current (`synced`):

- after a save, the saved aggregate goes into the cache (a private copy), and `synced` moves
  on when the save's notification ids directly follow it (nobody else wrote in between);
- before a get, one cheap read of the store's highest notification id: if it is `synced`,
  nothing else wrote and the cached aggregate is current; otherwise the notifications in
  between (their originator ids and versions, not decoded) evict what they made stale, and
  after many, the whole cache is dropped. A store that went back (a restore) drops it too.

So a get costs one indexed `max` query, and what others wrote costs only what they wrote.

A page that reads many records (the case page: the concern, the child, the restriction, the
access log, the reader's account) can ask for that check once for the whole page
(`checked_once`): the page then reads the store as it stood at its start, plus its own saves.
A save refused as a conflict inside it ends that, so a retry reads the store again.

An id with no record yet (most cases have no restriction and no urgent alert, and each case
page asks) is remembered as absent on the same terms as a cached aggregate: until a caught-up
notification or a save of this process names it, or the whole cache is dropped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from threading import Lock
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Recording

CATCH_UP_LIMIT = 500
ABSENT_LIMIT = 10_000
"""How many ids known to have no record yet are remembered (a case's restriction, its alert:
most cases have none, and each page asks)."""

_CHECKED: ContextVar[set[int] | None] = ContextVar("synced_cache_checked", default=None)
"""Inside `checked_once`: the repositories (by id) already checked in this scope."""


class SyncedRepository(Repository[UUID]):
    def __init__(self, recorder: ApplicationRecorder, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._recorder = recorder
        self._lock = Lock()
        self._synced = recorder.max_notification_id() or 0
        self._absent: set[UUID] = set()

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        cache = self.cache
        if cache is None or version is not None:
            return super().get(
                aggregate_id,
                version=version,
                projector_func=projector_func,
                fastforward_skipping=fastforward_skipping,
                deepcopy_from_cache=deepcopy_from_cache,
            )
        synced = self.catch_up()
        try:
            aggregate = cache.get(aggregate_id)
        except KeyError:
            if aggregate_id in self._absent:
                raise AggregateNotFoundError(aggregate_id) from None
            try:
                aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            except AggregateNotFoundError:
                self._note_absent(aggregate_id, synced)
                raise
            with self._lock:
                # Cached only if nothing was caught up meanwhile (that catch-up could have
                # passed over a newer event of this aggregate before it was cached).
                if self._synced == synced:
                    self._put_newer(aggregate)
        if deepcopy_from_cache and self.deepcopy_from_cache:
            aggregate = deepcopy(aggregate)
        return aggregate

    def _note_absent(self, aggregate_id: UUID, synced: int) -> None:
        """No record with this id as of `synced`: remembered until a notification for it is
        caught up (or this process saves it), so the next get asks the store nothing."""
        with self._lock:
            if self._synced != synced:
                return  # a catch-up passed meanwhile: it may have passed over its creation
            if len(self._absent) >= ABSENT_LIMIT:
                self._absent.clear()
            self._absent.add(aggregate_id)

    @contextmanager
    def checked_once(self) -> Iterator[None]:
        """Within: the store's highest notification id is read at the first get only (a
        nested scope is the same scope)."""
        if _CHECKED.get() is not None:
            yield
            return
        token = _CHECKED.set(set())
        try:
            yield
        finally:
            _CHECKED.reset(token)

    def check_again(self) -> None:
        """The next get reads the store's highest id again (after a refused save)."""
        checked = _CHECKED.get()
        if checked is not None:
            checked.discard(id(self))

    def catch_up(self) -> int:
        """Evict what others wrote since `synced`; return the new `synced`."""
        checked = _CHECKED.get()
        if checked is not None:
            if id(self) in checked:
                return self._synced
            checked.add(id(self))
        latest = self._recorder.max_notification_id() or 0
        with self._lock:
            if latest == self._synced:
                return latest
            cache = self.cache
            assert cache is not None
            if latest < self._synced:
                self._drop_all(latest)
                return latest
            written = self._recorder.select_notifications(
                start=self._synced, limit=CATCH_UP_LIMIT, stop=latest, inclusive_of_start=False
            )
            if len(written) >= CATCH_UP_LIMIT:
                self._drop_all(latest)
                return latest
            for n in written:
                oid = (
                    n.originator_id if isinstance(n.originator_id, UUID) else UUID(n.originator_id)
                )
                self._absent.discard(oid)
                try:
                    cached = cache.get(oid)
                except KeyError:
                    continue
                if cast(Aggregate, cached).version < n.originator_version:
                    cache.get(oid, evict=True)
            self._synced = latest
            return latest

    def note_saved(
        self, aggregates: Iterable[Any], recordings: Sequence[Recording[UUID]], *, keep: bool
    ) -> None:
        """After a save: cache private copies of the saved aggregates (or, unless `keep`,
        forget them: their state in memory is not what a replay gives), and move `synced` on
        if the save's notification ids directly follow it."""
        ids = [r.notification.id for r in recordings]
        with self._lock:
            cache = self.cache
            assert cache is not None
            saved = set()
            for aggregate in aggregates:
                saved.add(aggregate.id)
                self._absent.discard(aggregate.id)
                if keep:
                    self._put_newer(deepcopy(aggregate))
                else:
                    with contextlib.suppress(KeyError):
                        cache.get(aggregate.id, evict=True)
            for r in recordings:
                # An event saved without its aggregate (appended to a log by version,
                # `appending.append_to_log`): a cached copy of that log is now behind.
                oid = r.domain_event.originator_id
                if oid not in saved:
                    self._absent.discard(oid)
                    with contextlib.suppress(KeyError):
                        cache.get(oid, evict=True)
            if ids and ids[0] == self._synced + 1 and ids == list(range(ids[0], ids[-1] + 1)):
                self._synced = ids[-1]

    def _put_newer(self, aggregate: Any) -> None:
        cache = self.cache
        assert cache is not None
        try:
            cached = cache.get(aggregate.id)
        except KeyError:
            cached = None
        if cached is None or cached.version <= aggregate.version:
            cache.put(aggregate.id, aggregate)

    def _drop_all(self, latest: int) -> None:
        cache = self.cache
        assert cache is not None
        self._absent.clear()
        for key in list(cache.cache):
            try:
                cache.get(key, evict=True)
            except KeyError:
                continue
        self._synced = latest
