"""`safeshare relay`, `safeshare worker`: the dispatch processes.

RabbitMQ when `SAFESHARE_BROKER_URL` is set (the relay and the workers are separate
processes; urgent and routine queues get their own workers); otherwise the embedded default
(kombu's SQLAlchemy transport over `<data>/broker.sqlite`, worker and relay in one process).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType

import typer

from domain.errors import InvalidValue
from safeshare.adapters.logs import configure_logging
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.metrics_server import serve_metrics
from safeshare.entrypoints.cli.output import console, emit, for_console, guarded
from safeshare.services.school import Safeshare

app = typer.Typer(help="Dispatch: the relay and the workers that deliver referrals.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")
QUEUES = ("urgent", "routine", "all")


def _line(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()
    else:
        console.print(for_console(" ".join(f"{k}={v}" for k, v in data.items())))


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@app.command("relay")
def relay(
    once: bool = typer.Option(False, "--once", help="Publish what is pending, reconcile, exit."),
    alerts: bool = typer.Option(
        False,
        "--alerts",
        help="Also mail the DSLs (`safeshare alerts`) from this process, in a thread.",
    ),
    alerts_interval: float = typer.Option(5.0, "--alerts-interval", min=0.1, max=3600),
    as_json: bool = JSON,
) -> None:
    """Follow the event store and publish a deliver task for every prepared referral and
    every retry the DSL asks for; re-enqueue stale open referrals (the reconciler); escalate
    to the DSL each referral whose message RabbitMQ dead-lettered."""
    from safeshare.bootstrap import wiring_for
    from safeshare.services.dispatch_store import SafeshareDispatchStore
    from workers.celery_app import alert_dsl, declare_when_ready, enqueue, make_celery
    from workers.dead_letters import drain_dead_letters
    from workers.ports import Job
    from workers.relay import Reconciler, Relay, follow

    with guarded(as_json):
        settings = state.settings()
        wiring = wiring_for(settings)
        config = wiring.config
        celery = make_celery(wiring)
        declare_when_ready(celery, config)
        store = SafeshareDispatchStore(state.safeshare())

    def publish(job: Job) -> None:
        enqueue(celery, config, job.referral_id, job.urgent)

    def alert(referral_id: str, reason: str) -> None:
        alert_dsl(celery, config, referral_id, reason)

    def dead_letters() -> int:
        return drain_dead_letters(celery, config, store, alert)

    r = Relay(store, publish)
    reconciler = Reconciler(store, publish, config, alert)
    if once:
        published = r.catch_up()
        dead = dead_letters()
        reconciled = reconciler.run_once()
        emit(
            {"published": published, "dead_lettered": dead, "reconciled": reconciled},
            as_json,
            None,
        )
        celery.close()
        return
    configure_logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    serve_metrics(store.s)
    if alerts:
        _alert_dsls_until(stop, store.s, alerts_interval)
    _line(
        {"relay": "running", "broker": "rabbitmq" if settings.broker_url else "embedded"}, as_json
    )
    follow(
        r,
        reconciler,
        stop,
        reconcile_interval=config.reconcile_interval,
        dead_letters=dead_letters,
    )
    celery.close()
    _line({"relay": "stopped"}, as_json)


def _alert_dsls_until(stop: threading.Event, school: Safeshare, interval: float) -> None:
    """The DSL alerts (new concerns, unacknowledged urgent ones, certificates about to
    expire) every `interval` seconds in a daemon thread, so that a deployment needs no
    process of their own; a failed pass is logged and tried again."""
    import structlog

    from safeshare.adapters.channels import smtp_channel
    from safeshare.services.dsl_alerts import AlertService

    log = structlog.get_logger("safeshare.alerts")
    channel = smtp_channel(school.settings)
    service = AlertService(school.ctx, school.projection_db())

    def loop() -> None:
        while not stop.is_set():
            try:
                service.send_new(channel.send_notice)
                service.escalate_due(channel.send_notice)
                service.warn_expiring_certificates(school, channel.send_notice)
            except Exception as exc:
                log.warning("DSL alerts failed; retrying", error=type(exc).__name__)
            stop.wait(interval)

    threading.Thread(target=loop, name="safeshare-dsl-alerts", daemon=True).start()


@app.command("worker")
def worker(
    queues: str = typer.Option("all", "--queues", help="urgent, routine or all"),
    concurrency: int = typer.Option(1, "--concurrency", min=1),
    as_json: bool = JSON,
) -> None:
    """Run a worker: `celery worker -P prefork` on RabbitMQ; on the embedded default, a
    worker thread plus the relay in this process."""
    from safeshare.bootstrap import wiring_for
    from workers.celery_app import make_celery
    from workers.embedded import EmbeddedDispatch

    with guarded(as_json):
        if queues not in QUEUES:
            raise InvalidValue("queues", f"must be one of {', '.join(QUEUES)}")
        settings = state.settings()
        wiring = wiring_for(settings)
    config = wiring.config
    if config.embedded:
        configure_logging()
        stop = threading.Event()
        _stop_on_signals(stop)
        with EmbeddedDispatch(wiring):
            serve_metrics(None)
            _line({"worker": "running", "broker": "embedded", "queues": "all"}, as_json)
            while not stop.wait(0.5):
                pass
        _line({"worker": "stopped"}, as_json)
        return
    names = {
        "urgent": [config.queue_for(True)],
        "routine": [config.queue_for(False)],
        "all": [config.queue_for(True), config.queue_for(False)],
    }[queues]
    _line({"worker": "starting", "broker": "rabbitmq", "queues": ",".join(names)}, as_json)
    # The main process serves the pool's counters (PROMETHEUS_MULTIPROC_DIR shared with it).
    serve_metrics(None)
    celery = make_celery(wiring)
    celery.worker_main(
        [
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-Q",
            ",".join(names),
            "-n",
            f"safeshare-{settings.school}-{queues}@%h",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ]
    )
