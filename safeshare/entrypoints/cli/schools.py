"""`safeshare school add|list|suspend`: the schools one deployment serves (the tenant
registry). Each school added gets everything `safeshare init` makes, under its own data folder
and, on PostgreSQL, its own database role and schemas."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import add_row, console, emit, for_console, guarded
from safeshare.tenant_ops import add_school, suspend_school
from safeshare.tenants import registry_for

app = typer.Typer(help="The schools this deployment serves (one host name each).")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("add")
def add(
    school: str = typer.Argument(..., help="A short id: lower-case letters, digits, _."),
    name: str = typer.Option(..., "--name", help="The school's name."),
    host: str = typer.Option(..., "--host", help="The host name its staff use."),
    sender: str | None = typer.Option(
        None, "--sender", help="Its own From: address (default: SAFESHARE_SMTP_SENDER)."
    ),
    as_json: bool = JSON,
) -> None:
    """Register a school: its database role and schemas, its keys, signing identity, audit key
    and stores (as `safeshare init` makes them), then its registry entry."""
    with guarded(as_json):
        base = state.settings()
        tenant = add_school(base, registry_for(base), school, name, host, sender=sender)
    emit(
        asdict(tenant),
        as_json,
        lambda: console.print(
            "added school " + for_console(f"{tenant.id} ({tenant.name}) at {tenant.host}")
        ),
    )


@app.command("list")
def list_(as_json: bool = JSON) -> None:
    """Every registered school, active or suspended."""
    with guarded(as_json):
        base = state.settings()
        tenants = registry_for(base).all()
    rows = [asdict(t) for t in tenants]

    def show() -> None:
        table = Table(title="Schools")
        for col in ("id", "name", "host", "sender", "status", "added"):
            table.add_column(col)
        for t in tenants:
            add_row(table, t.id, t.name, t.host, t.sender or "(default)", t.status, t.added_at)
        console.print(table)

    emit(rows, as_json, show)


@app.command("suspend")
def suspend(school: str, as_json: bool = JSON) -> None:
    """Stop serving a school: its host name answers "not found" and its tasks are refused.
    Nothing of its records is removed."""
    with guarded(as_json):
        tenant = suspend_school(registry_for(state.settings()), school)
    emit(
        asdict(tenant),
        as_json,
        lambda: console.print("suspended school " + for_console(tenant.id)),
    )


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    open_at_once: int = typer.Option(
        8, "--open-at-once", min=1, help="Schools' applications kept open (least used closed)."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="uvicorn worker processes (each builds its own)."
    ),
) -> None:
    """Serve every registered school's web pages, each at its own host name (uvicorn). No relay
    or worker runs in this process. With several workers, sign-in sessions need sticky routing
    (they live in each worker's memory); the API's tokens do not."""
    import os

    import uvicorn

    from safeshare.entrypoints.web.tenants import OPEN_AT_ONCE_ENV, create_schools_app

    if workers == 1:
        web = create_schools_app(state.settings(), capacity=open_at_once)
        uvicorn.run(
            web,
            host=host,
            port=port,
            proxy_headers=False,
            timeout_keep_alive=state.KEEP_ALIVE_SECONDS,
        )
        return
    # Each worker process builds the deployment's web from the environment (as `safeshare
    # serve --workers` does for one school).
    os.environ["SAFESHARE_DATA"] = str(state.settings().data)
    os.environ[OPEN_AT_ONCE_ENV] = str(open_at_once)
    uvicorn.run(
        "safeshare.entrypoints.web.tenants:make_schools_app",
        factory=True,
        workers=workers,
        timeout_keep_alive=state.KEEP_ALIVE_SECONDS,
        timeout_worker_healthcheck=state.WORKER_HEALTHCHECK_SECONDS,
        host=host,
        port=port,
        proxy_headers=False,
    )


@app.command("relay")
def relay(
    once: bool = typer.Option(False, "--once", help="Publish what is pending, then exit."),
    as_json: bool = JSON,
) -> None:
    """Follow every active school's event store and publish its deliver tasks, each naming
    its school (workers: `SAFESHARE_DISPATCH_WIRING=safeshare.tenants:schools_wiring`)."""
    import threading
    import time

    from safeshare.entrypoints.cli.dispatch import _stop_on_signals
    from safeshare.tenants import schools_relay, schools_wiring_for
    from workers.celery_app import alert_dsl, declare_when_ready, make_celery

    with guarded(as_json):
        base = state.settings()
        wiring = schools_wiring_for(base)
        celery = make_celery(wiring)
        declare_when_ready(celery, wiring.config)
        r = schools_relay(base, celery, wiring)
    config = wiring.config

    def alert(school: str, referral_id: str, reason: str) -> None:
        alert_dsl(celery, config, referral_id, reason, school)

    try:
        if once:
            total = 0
            while done := r.run_once():
                total += done
            reconciled = r.reconcile_once(config, alert)
            emit({"published": total, "reconciled": reconciled}, as_json, None)
            return
        stop = threading.Event()
        _stop_on_signals(stop)
        emit({"relay": "running", "schools": "all"}, as_json, None)
        next_reconcile = time.monotonic() + config.reconcile_interval
        while not stop.is_set():
            published = r.run_once()
            if time.monotonic() >= next_reconcile:
                r.reconcile_once(config, alert)
                next_reconcile = time.monotonic() + config.reconcile_interval
            if not published:
                stop.wait(0.2)
    finally:
        r.stores.close()
        celery.close()


@app.command("projections")
def projections(
    once: bool = typer.Option(False, "--once", help="One round over every school, then exit."),
    poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between rounds."),
    open_at_once: int = typer.Option(8, "--open-at-once", min=1),
    as_json: bool = JSON,
) -> None:
    """Keep every active school's projections and integrity log up to date, school by school
    through each school's own application (a bounded number open at once)."""
    import threading

    from safeshare.entrypoints.cli.dispatch import _stop_on_signals
    from safeshare.tenants import SchoolApps, catch_up_schools

    base = state.settings()
    apps = SchoolApps(base, registry_for(base), capacity=open_at_once)
    try:
        if once:
            with guarded(as_json):
                applied = catch_up_schools(apps)
            emit({"applied": applied}, as_json, None)
            return
        stop = threading.Event()
        _stop_on_signals(stop)
        while not stop.is_set():
            if not any(catch_up_schools(apps).values()):
                stop.wait(poll)
    finally:
        apps.close()
