"""The embedded default: no RabbitMQ, the same tasks on kombu's SQLAlchemy transport over a
SQLite file in the data folder, served by a worker thread in this process, with the relay
and the reconciler beside it.

The queue lives in a file, so a referral published before a restart is still there after it.
A message the in-process worker had taken when the process died stays hidden in the file
(the transport marks it invisible on fetch and never restores it), but the referral is still
open in the event store, so the reconciler enqueues it again once it is `reconcile_after`
old: nothing is lost.
"""

from __future__ import annotations

import threading
from types import TracebackType

from celery import Celery

from workers.celery_app import alert_dsl, declare_when_ready, enqueue, make_celery
from workers.config import Wiring
from workers.ports import Job
from workers.relay import Reconciler, Relay, follow


class EmbeddedDispatch:
    """Relay, reconciler and one worker thread for one school, in this process."""

    def __init__(self, wiring: Wiring, worker: bool = True, relay: bool = True) -> None:
        self.wiring = wiring
        self.config = wiring.config
        self.celery: Celery = make_celery(wiring)
        self._want_worker = worker
        self._want_relay = relay
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._worker: object | None = None

    def publish(self, job: Job) -> None:
        enqueue(self.celery, self.config, job.referral_id, job.urgent)

    def alert(self, referral_id: str, reason: str) -> None:
        alert_dsl(self.celery, self.config, referral_id, reason)

    def start(self) -> EmbeddedDispatch:
        declare_when_ready(self.celery, self.config, self._stop)
        if self._want_relay:
            store = self.wiring.open_store()
            relay = Relay(store, self.publish)
            reconciler = Reconciler(store, self.publish, self.config, self.alert)
            thread = threading.Thread(
                target=follow,
                args=(relay, reconciler, self._stop),
                kwargs={"reconcile_interval": self.config.reconcile_interval},
                name="safeshare-relay",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        if self._want_worker:
            worker = self.celery.WorkController(
                pool_cls="solo",
                concurrency=1,
                queues=[self.config.queue_for(True), self.config.queue_for(False)],
                without_heartbeat=True,
                without_mingle=True,
                without_gossip=True,
                loglevel="INFO",
            )
            self._worker = worker
            thread = threading.Thread(target=worker.start, name="safeshare-worker", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        worker = self._worker
        if worker is not None:
            worker.stop(in_sighandler=False, exitcode=0)  # type: ignore[attr-defined]
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.celery.close()

    def wait(self) -> None:
        """Block until stopped (Ctrl-C in the CLI)."""
        while not self._stop.wait(0.5):
            pass

    def __enter__(self) -> EmbeddedDispatch:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
