"""One set of workers and one relay for many schools.

A task message names its school (its id, nothing else); each worker process opens that
school's store on first use, through the opener the composition root handed in, and keeps the
most recently used few open (an LRU, so that connections stay bounded however many schools
there are). A store is never shared by two schools. The relay follows each school's log in
turn and publishes that school's tasks with its id.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import structlog

from workers.config import DispatchConfig
from workers.ports import DispatchStore, Job
from workers.relay import Reconciler, Relay

log = structlog.get_logger("safeshare.dispatch")


class NoSuchSchool(LookupError):
    """A task for a school this deployment does not (or no longer) serve."""


class PublishFailed(Exception):
    """The broker refused or could not be reached (the school's store is not at fault)."""


class SchoolStores:
    """Per process: the stores of the schools whose tasks came last, at most `capacity`."""

    def __init__(
        self, open_store: Callable[[str], DispatchStore] | None, capacity: int = 4
    ) -> None:
        self._open_store = open_store
        self._capacity = capacity
        self._stores: OrderedDict[str, DispatchStore] = OrderedDict()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(self, school: str) -> DispatchStore:
        if self._open_store is None:
            raise NoSuchSchool(school)
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._stores.clear()
                self._pid = os.getpid()
            store = self._stores.get(school)
            if store is not None:
                self._stores.move_to_end(school)
                return store
            store = self._open_store(school)
            if store.school != school:
                store.close()
                raise NoSuchSchool(school)
            self._stores[school] = store
            while len(self._stores) > self._capacity:
                _, old = self._stores.popitem(last=False)
                old.close()
            return store

    def warm(self, schools: Sequence[str]) -> list[str]:
        """Open the stores of (the first `capacity` of) `schools` now, before any task needs
        them: opening one takes seconds (its application, keys, tables), which an urgent
        referral must not wait for. A school that cannot be opened is skipped (its first
        task opens it, or fails, as without this). Returns the schools opened."""
        opened = []
        for school in list(schools)[: self._capacity]:
            try:
                self.get(school)
            except Exception as exc:  # its first task tries again and reports
                log.warning(
                    "could not open a school's store", school=school, error=type(exc).__name__
                )
                continue
            opened.append(school)
        return opened

    def discard(self, school: str) -> None:
        """After a failure outside the channel: the next task reopens the school's store."""
        with self._lock:
            store = self._stores.pop(school, None)
        if store is not None:
            store.close()

    def close(self) -> None:
        with self._lock:
            stores = list(self._stores.values())
            self._stores.clear()
        for store in stores:
            store.close()


Publish = Callable[[str, Job], None]
"""Publish a school's job: `enqueue(..., school=...)`."""
Alert = Callable[[str, str, str], None]
"""Publish a school's DSL alert: (school, referral id, reason)."""


class SchoolsRelay:
    """Each active school's relay in turn; a school's failure does not hold up the others."""

    def __init__(
        self,
        schools: Callable[[], Sequence[str]],
        stores: SchoolStores,
        publish: Publish,
        batch: int = 200,
    ) -> None:
        self.schools = schools
        self.stores = stores
        self.publish = publish
        self.batch = batch

    def run_once(self) -> int:
        published = 0
        for school in self.schools():
            try:
                store = self.stores.get(school)
                published += Relay(store, self._publisher(school), self.batch).run_once()
            except NoSuchSchool:
                continue
            except PublishFailed as exc:
                # The broker is every school's: the round ends, and each school's store stays
                # open (reopening them all, seconds each, would only delay what is published
                # once the broker is back; urgent referrals wait behind it).
                log.warning(
                    "relay could not publish; retrying",
                    school=school,
                    error=type(exc.__cause__).__name__,
                )
                break
            except Exception as exc:  # this school's database or the broker: try again later
                log.warning("relay failed for a school", school=school, error=type(exc).__name__)
                self.stores.discard(school)
        return published

    def reconcile_once(self, config: DispatchConfig, alert: Alert | None = None) -> int:
        """Each active school's reconciler (stale referrals re-enqueued, overdue escalated)."""
        acted = 0
        for school in self.schools():
            try:
                store = self.stores.get(school)
                school_alert = None if alert is None else self._alerter(school, alert)
                acted += Reconciler(store, self._publisher(school), config, school_alert).run_once()
            except NoSuchSchool:
                continue
            except PublishFailed as exc:
                log.warning(
                    "reconcile could not publish", school=school, error=type(exc.__cause__).__name__
                )
                break
            except Exception as exc:
                log.warning(
                    "reconcile failed for a school", school=school, error=type(exc).__name__
                )
                self.stores.discard(school)
        return acted

    @staticmethod
    def _alerter(school: str, alert: Alert) -> Callable[[str, str], None]:
        def send(referral_id: str, reason: str) -> None:
            alert(school, referral_id, reason)

        return send

    def _publisher(self, school: str) -> Callable[[Job], None]:
        def publish(job: Job) -> None:
            try:
                self.publish(school, job)
            except Exception as exc:
                raise PublishFailed(school) from exc

        return publish
