"""Support for the dispatch tests: a school on PostgreSQL wired to RabbitMQ under a unique
queue prefix, Celery workers as real `celery worker -P prefork` subprocesses, and helpers to
share concerns and wait for outcomes.

Every process started here is killed in teardown; every queue made here is deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from uuid import UUID

from celery import Celery

from domain.referral import Referral
from harness.schools import CANARY_FACT, CANARY_NAME, born
from safeshare.bootstrap import wiring_for
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from workers.celery_app import alert_dsl, declare, enqueue, make_celery, purge_and_delete
from workers.config import DispatchConfig
from workers.ports import Job
from workers.relay import Reconciler, Relay

REPO_ROOT = Path(__file__).resolve().parents[1]
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672//"
LOCK_FILE = Path(tempfile.gettempdir()) / "safeshare-tests-rabbitmq.lock"
SETTING_ENV = {
    "data": "SAFESHARE_DATA",
    "database_url": "SAFESHARE_DATABASE_URL",
    "audit_key_file": "SAFESHARE_AUDIT_KEY_FILE",
    "school": "SAFESHARE_SCHOOL",
    "school_name": "SAFESHARE_SCHOOL_NAME",
    "tls_ca_file": "SAFESHARE_TLS_CA_FILE",
    "dsl_email": "SAFESHARE_DSL_EMAIL",
    "broker_url": "SAFESHARE_BROKER_URL",
    "smtp_host": "SAFESHARE_SMTP_HOST",
    "smtp_port": "SAFESHARE_SMTP_PORT",
    "smtp_sender": "SAFESHARE_SMTP_SENDER",
    "queue_prefix": "SAFESHARE_QUEUE_PREFIX",
    "dispatch_max_attempts": "SAFESHARE_DISPATCH_MAX_ATTEMPTS",
    "dispatch_delivery_limit": "SAFESHARE_DISPATCH_DELIVERY_LIMIT",
    "urgent_deadline_seconds": "SAFESHARE_URGENT_DEADLINE_SECONDS",
    "routine_deadline_seconds": "SAFESHARE_ROUTINE_DEADLINE_SECONDS",
    "urgent_retry_base_seconds": "SAFESHARE_URGENT_RETRY_BASE_SECONDS",
    "urgent_retry_max_seconds": "SAFESHARE_URGENT_RETRY_MAX_SECONDS",
    "routine_retry_base_seconds": "SAFESHARE_ROUTINE_RETRY_BASE_SECONDS",
    "routine_retry_max_seconds": "SAFESHARE_ROUTINE_RETRY_MAX_SECONDS",
    "reconcile_after_seconds": "SAFESHARE_RECONCILE_AFTER_SECONDS",
    "urgent_reconcile_after_seconds": "SAFESHARE_URGENT_RECONCILE_AFTER_SECONDS",
    "reconcile_interval_seconds": "SAFESHARE_RECONCILE_INTERVAL_SECONDS",
    "channel_timeout_seconds": "SAFESHARE_CHANNEL_TIMEOUT_SECONDS",
    "tls_client_cert": "SAFESHARE_TLS_CLIENT_CERT",
    "tls_client_key": "SAFESHARE_TLS_CLIENT_KEY",
}


@contextlib.contextmanager
def rabbit_lock(exclusive: bool = False) -> Iterator[None]:
    """Tests that use RabbitMQ hold this lock shared; the one that stops and starts the broker
    holds it exclusively, so under `pytest -n 2` it never pulls the broker from under another
    test."""
    with LOCK_FILE.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def log_on_failure(log: Path) -> Iterator[None]:
    """On a failed assertion, show the tail of the worker log (pytest's tmp dirs rotate)."""
    try:
        yield
    except AssertionError:
        if log.exists():
            print("---- worker log tail ----\n" + log.read_text(errors="replace")[-6000:])
        raise


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a worker or relay process needs to open the same school."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")}
    for attr, var in SETTING_ENV.items():
        value = getattr(settings, attr)
        if value is not None:
            env[var] = str(value)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


class WorkerProcess:
    """`celery -A workers.app worker -P prefork` for one school and some queues."""

    def __init__(
        self,
        settings: Settings,
        queues: Sequence[str],
        log_file: Path,
        name: str = "w",
        concurrency: int = 1,
        nice: int = 0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.env = env or {}
        """More environment (`SAFESHARE_DISPATCH_WIRING` for a deployment of many schools)."""
        self.log_file = log_file
        niceness = ["nice", "-n", str(nice)] if nice else []
        self.args = [
            *niceness,
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-Q",
            ",".join(queues),
            "-n",
            f"{name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> WorkerProcess:
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            self.args,
            cwd=REPO_ROOT,
            env={**settings_env(self.settings), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_file.read_bytes()[offset:]
            if b" ready." in text:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        tail = self.log_file.read_text(errors="replace")[-3000:]
        self.kill()
        raise RuntimeError(f"celery worker did not start:\n{tail}")

    def child_pids(self) -> list[int]:
        """The prefork pool's processes (where tasks run)."""
        assert self.proc is not None
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool) and reap it."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        self.proc = None

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()


class Dispatch:
    """The test's side of dispatch: a Celery app for publishing, the relay and the reconciler
    over the test's own `Safeshare`, and cleanup of the queues."""

    def __init__(self, school: Safeshare) -> None:
        self.school = school
        self.config: DispatchConfig = wiring_for(school.settings).config
        self.celery: Celery = make_celery(wiring_for(school.settings))
        self.store = SafeshareDispatchStore(school)
        self.relay = Relay(self.store, self.publish)
        self.reconciler = Reconciler(self.store, self.publish, self.config, self.alert)
        declare(self.celery, self.config)

    def publish(self, job: Job) -> None:
        enqueue(self.celery, self.config, job.referral_id, job.urgent)

    def alert(self, referral_id: str, reason: str) -> None:
        alert_dsl(self.celery, self.config, referral_id, reason)

    def publish_job(self, referral_id: UUID, urgent: bool) -> None:
        self.publish(Job(str(referral_id), urgent))

    def close(self) -> None:
        try:
            purge_and_delete(self.celery, self.config)
        finally:
            self.celery.close()


def register_child(school: Safeshare, name: str = CANARY_NAME) -> str:
    return str(
        school.children.register(name, born(school.ctx.clock, 11), by="Office", upn="A123456789012")
    )


def share(
    school: Safeshare,
    child_id: str,
    to: Sequence[str],
    urgent: bool = False,
    facts: str = CANARY_FACT,
) -> list[UUID]:
    """Raise a concern about the child and decide to share it with `to`; the referral ids.

    Urgent: immediate risk and crime suspected, consent not sought (delay), public task.
    Routine: consent given by a parent for these agencies.
    """
    c = school.concerns
    concern = str(
        c.raise_concern(
            child_id,
            "neglect" if not urgent else "physical-abuse",
            facts,
            "2026-11-24T10:00:00+00:00",
            "Ms Teacher",
            immediate_risk=urgent,
            crime_suspected=urgent,
        )
    )
    if urgent:
        c.record_consent(concern, "not-sought", "DSL", reason="delay", note="risk tonight")
        c.record_lawful_basis(
            concern, "public-task", "Immediate risk", "DSL", article9="safeguarding"
        )
    else:
        c.record_consent(concern, "sought", "DSL", from_whom="parent")
        c.record_consent(concern, "given", "DSL", from_whom="parent", scope=list(to))
    result = c.decide(concern, True, "Reasons recorded", "DSL", purpose="Assessment", to=to)
    return list(result.referral_ids)


def statuses(school: Safeshare, ids: Iterable[UUID]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rid in ids:
        status = school.app.get(rid, Referral).status.value
        counts[status] = counts.get(status, 0) + 1
    return counts


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def clone_agencies(school: Safeshare, n: int, template: str = "mash") -> list[str]:
    """`n` more SMTP agencies like `template` (same certificate), so that one decision can
    prepare many referrals (a concern has at most one referral per agency per decision)."""
    agency = school.agencies.get(template)
    ids = []
    for i in range(n):
        agency_id = f"{template}{i:03d}"
        school.agencies.add(
            agency_id,
            f"{agency['name']} {i}",
            str(agency["kind"]),
            str(agency["channel"]),
            f"{agency_id}@agency.example",
            str(agency["certificate_pem"]),
            by="test",
        )
        ids.append(agency_id)
    return ids


def share_many(school: Safeshare, n: int, agencies: Sequence[str]) -> list[UUID]:
    """`n` routine referrals, `len(agencies)` per concern."""
    ids: list[UUID] = []
    while len(ids) < n:
        to = list(agencies[: n - len(ids)])
        ids.extend(share(school, register_child(school), to))
    return ids


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def peek_messages(celery: Celery, queue_name: str, limit: int) -> list[bytes]:
    """Read up to `limit` messages from a queue without consuming them: fetched unacked on one
    channel, then returned to the queue when the channel closes (a requeueing reader)."""
    bodies: list[bytes] = []
    with celery.connection_for_write() as conn:
        channel = conn.channel()
        try:
            for _ in range(limit):
                message = channel.basic_get(queue_name, no_ack=False)
                if message is None:
                    break
                headers = repr(getattr(message, "headers", {}) or {}).encode()
                properties = repr(getattr(message, "properties", {}) or {}).encode()
                raw = message.body
                body = raw if isinstance(raw, bytes) else str(raw).encode()
                bodies.append(body + b"\n" + headers + b"\n" + properties)
        finally:
            channel.close()
    return bodies
