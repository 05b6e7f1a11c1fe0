"""The Celery app: queues, routing, reliability settings and the tasks.

Why these settings (DESIGN.md, "The event store is the outbox", "Urgent goes first"):
- Quorum queues `referrals.urgent` and `referrals.routine` on one topic exchange: replicated,
  durable, and the urgent queue has its own workers, so an urgent referral never waits
  behind routine work.
- Publisher confirms (`confirm_publish`): a publish returns only once RabbitMQ has the
  message, so the relay records its position only after the broker holds the task.
- `task_acks_late` + `task_reject_on_worker_lost`: a message is acknowledged after the task
  ran; a worker killed mid-send leaves it unacknowledged, so it is delivered again.
- `worker_prefetch_multiplier=1`: a worker holds one message at a time, so a backlog stays
  on the broker where another worker (or the urgent one) can take it.
- `worker_cancel_long_running_tasks_on_connection_loss`: a send cut off from the broker is
  cancelled rather than finished unacknowledged; the broker redelivers it.
- Dead-letter exchange with the at-least-once strategy: a message redelivered
  `delivery_limit` times moves to `referrals.dead`, never vanishes; the reconciler re-enqueues
  its referral anyway because the referral is still open in the event store.
- Retries use Celery's native delayed delivery on quorum queues (the countdown lives in
  RabbitMQ, not in worker memory).

Task messages carry the referral id only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from typing import Any

import structlog
from celery import Celery, Task
from kombu.entity import Exchange, Queue

from workers.config import DispatchConfig, Wiring
from workers.delivery import Done, Escalated, Retry, deliver_once
from workers.ports import DispatchStore
from workers.schools import NoSuchSchool, SchoolStores

DELIVER = "safeshare.deliver"
ALERT = "safeshare.alert_dsl"
log = structlog.get_logger("safeshare.dispatch")


class StoreHolder:
    """One `DispatchStore` per process, opened on first use (after a prefork child forks)."""

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring
        self._lock = threading.Lock()
        self._store: DispatchStore | None = None
        self._pid = 0

    def get(self) -> DispatchStore:
        with self._lock:
            if self._store is None or self._pid != os.getpid():
                self._store = self._wiring.open_store()
                self._pid = os.getpid()
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None and self._pid == os.getpid():
                self._store.close()
            self._store = None


def queues(config: DispatchConfig) -> tuple[Queue, Queue]:
    """The urgent and routine queues (quorum, dead-lettered) on RabbitMQ; plain durable
    queues on the embedded transport, which knows no queue arguments."""
    exchange = Exchange(config.name("referrals"), type="topic", durable=True)
    arguments: dict[str, Any] | None = None
    if not config.embedded:
        arguments = {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": config.name("referrals.dlx"),
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-delivery-limit": config.delivery_limit,
        }
    made = []
    for kind in ("urgent", "routine"):
        name = config.name(f"referrals.{kind}")
        made.append(
            Queue(name, exchange, routing_key=name, durable=True, queue_arguments=arguments)
        )
    return made[0], made[1]


def dead_letter_queue(config: DispatchConfig) -> Queue:
    """Where messages go after `delivery_limit` redeliveries: kept for a person to inspect."""
    dlx = Exchange(config.name("referrals.dlx"), type="topic", durable=True)
    return Queue(
        config.name("referrals.dead"),
        dlx,
        routing_key="#",
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def make_celery(wiring: Wiring) -> Celery:
    """The Celery app for one school, with `deliver` and `alert_dsl` registered."""
    config = wiring.config
    app = Celery("safeshare", set_as_current=False)
    urgent, routine = queues(config)
    transport_options: dict[str, Any] = {}
    if not config.embedded:
        transport_options["confirm_publish"] = True
    app.conf.update(
        broker_url=config.url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=False,
        worker_prefetch_multiplier=1,
        # A pool process opens its schools' stores before it says it is up (`workers.app`):
        # seconds on a busy machine, past Celery's default 4 s, after which it is killed.
        worker_proc_alive_timeout=60.0,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        task_queues=(urgent, routine),
        task_default_queue=routine.name,
        task_default_exchange=routine.exchange.name,
        task_default_exchange_type="topic",
        task_default_routing_key=routine.routing_key,
        task_create_missing_queues=False,
    )
    holder = StoreHolder(wiring)
    app.conf.safeshare_holder = holder
    schools = SchoolStores(wiring.open_school_store)
    app.conf.safeshare_schools = schools

    def store_of(school: str | None) -> DispatchStore:
        return holder.get() if school is None else schools.get(school)

    @app.task(bind=True, name=DELIVER, max_retries=None)  # type: ignore[untyped-decorator]
    def deliver(self: Task[Any, Any], referral_id: str, school: str | None = None) -> str:
        """Deliver one referral (its id, and its school's when one process serves many); see
        `workers.delivery.deliver_once`."""
        try:
            outcome = deliver_once(store_of(school), config, referral_id)
        except NoSuchSchool:
            log.warning("deliver refused: no active school", school=school)
            return "refused:no-such-school"
        except Exception as exc:
            # The store or the network failed outside the channel (a database restart, say).
            # Retry later rather than let the message be dead-lettered; log the type only, as
            # an exception's text is not ours to vouch for.
            log.warning(
                "deliver failed outside the channel; will retry",
                referral_id=referral_id,
                error=type(exc).__name__,
                message=str(exc)[:300],
            )
            holder.close() if school is None else schools.discard(school)
            retries = int(self.request.retries or 0)
            countdown = max(1, round(config.backoff(retries + 1, False)))
            raise self.retry(countdown=countdown, max_retries=None) from None
        if isinstance(outcome, Retry):
            queue = self.request.delivery_info.get("routing_key") or routine.name
            raise self.retry(countdown=max(1, round(outcome.countdown)), queue=_queue_of(queue))
        if isinstance(outcome, Escalated):
            if outcome.new:
                alert_dsl(app, config, referral_id, outcome.reason, school)
            return f"escalated:{outcome.reason}"
        assert isinstance(outcome, Done)
        return outcome.status

    def _queue_of(routing_key: str) -> str:
        """The work queue a (possibly delayed) routing key ends in."""
        return urgent.name if routing_key.endswith(urgent.name) else routine.name

    @app.task(bind=True, name=ALERT, max_retries=None)  # type: ignore[untyped-decorator]
    def alert_dsl_task(
        self: Task[Any, Any], referral_id: str, reason: str, school: str | None = None
    ) -> str:
        """Mail the DSL that a referral was escalated; retried until the mail goes."""
        from sharing.channels import DeliveryError

        try:
            store_of(school).send_alert(referral_id, reason)
        except DeliveryError as exc:
            log.warning("alert not sent", referral_id=referral_id, error=exc.error_class)
            raise self.retry(countdown=config.backoff(self.request.retries + 1, True)) from None
        return "sent"

    return app


def enqueue(
    app: Celery, config: DispatchConfig, referral_id: str, urgent: bool, school: str | None = None
) -> None:
    """Publish `deliver(referral_id)` to the right queue; returns once the broker confirmed.
    Where one deployment serves many schools, the message names the school (its id only)."""
    queue = config.queue_for(urgent)
    kwargs = {} if school is None else {"school": school}
    app.send_task(DELIVER, args=[referral_id], kwargs=kwargs, queue=queue, routing_key=queue)


def alert_dsl(
    app: Celery, config: DispatchConfig, referral_id: str, reason: str, school: str | None = None
) -> None:
    """Publish the DSL alert task (on the urgent queue: an escalation is urgent news)."""
    queue = config.queue_for(True)
    kwargs = {} if school is None else {"school": school}
    app.send_task(ALERT, args=[referral_id, reason], kwargs=kwargs, queue=queue, routing_key=queue)


@contextlib.contextmanager
def _one_declarer_at_a_time(config: DispatchConfig) -> Iterator[None]:
    """On the embedded broker, processes declare one after another (an exclusive lock on a
    file beside `broker.sqlite`): kombu's SQLAlchemy transport creates its tables and queue
    rows without guarding against another process doing the same at the same instant
    (`table kombu_queue already exists`, `UNIQUE constraint failed: kombu_queue.name`)."""
    if not config.embedded:
        yield
        return
    config.broker_db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = config.broker_db.with_name(config.broker_db.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def declare(app: Celery, config: DispatchConfig) -> None:
    """Declare the exchanges and queues before anything is published: a confirmed publish
    to an exchange with no bound queue would be confirmed and dropped (unroutable)."""
    with _one_declarer_at_a_time(config), app.connection_for_write() as conn:
        channel = conn.default_channel
        urgent, routine = queues(config)
        entities = [urgent, routine]
        if not config.embedded:
            entities.append(dead_letter_queue(config))
        for queue in entities:
            queue.bind(channel).declare()


def declare_when_ready(
    app: Celery,
    config: DispatchConfig,
    stop: threading.Event | None = None,
    first_wait: float = 0.5,
    longest_wait: float = 10.0,
) -> None:
    """`declare`, retried with a clear log line while the broker cannot be reached (a worker
    or relay started before its broker waits for it rather than dying); stops when `stop` is
    set, raising the last error."""
    wait = first_wait
    while True:
        try:
            declare(app, config)
            return
        except Exception as exc:
            where = "embedded broker" if config.embedded else "broker"
            log.warning(
                f"{where} not reachable; retrying",
                error=type(exc).__name__,
                retry_in_seconds=round(wait, 1),
            )
            if stop is not None and stop.wait(wait):
                raise
            if stop is None:
                threading.Event().wait(wait)
            wait = min(wait * 2, longest_wait)


def purge_and_delete(app: Celery, config: DispatchConfig) -> None:
    """Remove this prefix's queues and exchanges (tests and benchmarks clean up after
    themselves; never used on a live school)."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        urgent, routine = queues(config)
        names = [urgent.name, routine.name]
        if not config.embedded:
            names.append(config.name("referrals.dead"))
        for name in names:
            with contextlib.suppress(Exception):
                channel.queue_delete(name)
        for exchange in (config.name("referrals"), config.name("referrals.dlx")):
            with contextlib.suppress(Exception):
                channel.exchange_delete(exchange)
