"""`safeshare projections ...`, `safeshare chronology`, `safeshare report timeliness`.

Commands that read a projection first catch it up with the log, so on the embedded default
(no runner process) the CLI always shows current data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from domain.errors import InvalidValue
from safeshare.adapters.safe_output import OutputGuard
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import READERS, by_option
from safeshare.entrypoints.cli.output import (
    add_row,
    console,
    emit,
    err_console,
    for_console,
    guarded,
)
from safeshare.services import projections as ps
from safeshare.services.chronology import child_chronology, timeliness_report
from safeshare.services.school import Safeshare
from safeshare.validation import day, seconds

projections_app = typer.Typer(help="Read models: their position in the log, and rebuilding them.")
report_app = typer.Typer(help="Reports for governors and auditors.")

JSON = typer.Option(False, "--json", help="Machine-readable output.")


def register(app: typer.Typer) -> None:
    """Mount these commands on the main `safeshare` app."""
    app.add_typer(projections_app, name="projections")
    app.add_typer(report_app, name="report")
    app.command("chronology")(chronology)


@projections_app.command("status")
def status(as_json: bool = JSON) -> None:
    """Each projection's position in the notification log and its lag behind the head."""
    with guarded(as_json):
        rows = [r.status() for r in ps.runners(state.safeshare())]
    data = [{"name": s.name, "position": s.position, "head": s.head, "lag": s.lag} for s in rows]

    def human() -> None:
        table = Table(title="Projections")
        for col in ("projection", "position", "head", "lag"):
            table.add_column(col, justify="left" if col == "projection" else "right")
        for s in rows:
            lag = Text(str(s.lag), style="green" if s.lag == 0 else "yellow")
            table.add_row(s.name, f"{s.position:,}", f"{s.head:,}", lag)
        console.print(table)

    emit(data, as_json, human)


class RateColumn(ProgressColumn):
    """Events per second (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("–" if speed is None else f"{speed:,.0f} events/s", style="cyan")


@projections_app.command("rebuild")
def rebuild(
    name: str | None = typer.Argument(None, help="One projection (default: all of them)."),
    as_json: bool = JSON,
) -> None:
    """Drop the projection's tables and build them again from the start of the log (in one
    pass over the log for all of them); the result equals the incrementally built one."""
    import time

    names = [name] if name else None
    s = state.safeshare()
    with guarded(as_json):
        runners = ps.runners(s, names)
    head = s.event_source().max_position()
    started = time.perf_counter()
    progress = Progress(
        TextColumn("[bold]rebuilding[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    )
    with progress:
        task = progress.add_task(", ".join(r.projection.name for r in runners), total=head)

        def step(position: int, total: int) -> None:
            progress.update(task, completed=position, total=max(total, position))

        with guarded(as_json):
            count = ps.rebuild(s, names, step)
        progress.update(task, completed=count, total=max(head, count))
    elapsed = time.perf_counter() - started
    names_done = [r.projection.name for r in runners]
    data = {
        "rebuilt": names_done,
        "events": count,
        "seconds": round(elapsed, 3),
        "events_per_second": round(count / elapsed) if elapsed else None,
    }
    emit(
        data,
        as_json,
        lambda: console.print(
            f"rebuilt {', '.join(names_done)}: {count:,} events in {elapsed:.2f} s"
        ),
    )


@projections_app.command("follow")
def follow(
    name: str | None = typer.Argument(None, help="One projection (default: all of them)."),
    poll: float = typer.Option(0.5, "--poll", help="Seconds between polls (SQLite)."),
) -> None:
    """Keep projections up to date until interrupted: the runner process of a production
    deployment. On PostgreSQL each wakes on LISTEN/NOTIFY; on SQLite each polls the log."""
    import threading

    from safeshare.entrypoints.cli.metrics_server import serve_metrics

    with guarded(False):
        poll = seconds("poll", poll, 0.05, 3600)
    s = state.safeshare()
    with guarded(False):
        runners = ps.runners(s, [name] if name else None)
        if name is None:
            from safeshare.services.audit import audit_service

            runners.append(audit_service(s).runner)  # the integrity log, signing checkpoints
    stop = threading.Event()
    threads = [
        threading.Thread(target=r.follow, args=(stop, poll), name=r.projection.name, daemon=True)
        for r in runners
    ]
    for t in threads:
        t.start()
    serve_metrics(s)
    err_console.print(f"following: {', '.join(r.projection.name for r in runners)} (Ctrl-C stops)")
    witnessed = name is None and bool(s.settings.witness_urls)
    try:
        ticks = 0
        while any(t.is_alive() for t in threads):
            stop.wait(1.0)
            ticks += 1
            if witnessed and ticks % WITNESS_EVERY_SECONDS == 0:
                _witness_pending(s)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for t in threads:
            t.join(10)


WITNESS_EVERY_SECONDS = 30


def _witness_pending(s: Safeshare) -> None:
    """Send the checkpoints the runner signed to the witnesses (a failure is logged there)."""
    from safeshare.services.audit import audit_service

    try:
        audit_service(s).witness_pending()
    except Exception as e:  # following goes on; the next round asks again
        logging.getLogger("safeshare.audit").warning("witnessing failed: %s", type(e).__name__)


def chronology(
    child_id: str = typer.Argument(..., help="The child's id."),
    by: str = by_option(READERS, default="DSL"),
    as_json: bool = JSON,
) -> None:
    """The child's chronology across all concerns, in the order things happened, with when
    each was recorded (the KCSIE chronology for a conference). Reading it is recorded."""
    with guarded(as_json):
        chron = child_chronology(state.safeshare(), child_id, by)
    rows: list[dict[str, Any]] = [asdict(e) for e in chron.entries]

    def human() -> None:
        table = Table(title=f"Chronology of child {chron.child_id}", show_lines=True)
        for col in ("when", "recorded", "what", "by", "detail"):
            table.add_column(col)
        for row in rows:
            detail = for_console(", ".join(f"{k}: {v}" for k, v in row["detail"].items()))
            text = "\n".join(
                f"[bold]{for_console(k)}:[/] {for_console(v)}" for k, v in row["text"].items()
            )
            table.add_row(
                for_console(row["occurred_at"][:16].replace("T", " ")),
                for_console(row["recorded_at"][:16].replace("T", " ")),
                for_console(row["entry"])
                + (f"\n[dim]{for_console((row['concern_id'] or '')[:8])}[/]"),
                for_console(row["by"]),
                "\n".join(x for x in (detail, text) if x),
            )
        console.print(table)

    emit({"child_id": chron.child_id, "entries": rows}, as_json, human)


def _day(label: str, value: str, today: date) -> date:
    """A report's day: from 1900 to a year from today (a period past that is a typing error)."""
    found = day(label, value, today, allow_future=True)
    if found > today + timedelta(days=366):
        raise InvalidValue(label, "is more than a year from today")
    return found


@report_app.command("timeliness")
def timeliness(
    start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    fmt: str = typer.Option("text", "--format", help="text, csv or html."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (html: default)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    as_json: bool = JSON,
) -> None:
    """The governors' timeliness report: each step against its standard, month by month,
    with the breaches; HTML has charts."""
    from safeshare.reports import timeliness_formats as rep

    s = state.safeshare()
    with guarded(as_json):
        today = s.ctx.clock().date()
        lo, hi = _day("from", start, today), _day("to", end, today)
        if fmt not in ("text", "csv", "html"):
            raise InvalidValue("format", "must be text, csv or html")
        report = timeliness_report(s, lo, hi)
        std = ps.standards(s.settings)
    if as_json:
        emit(report.as_dict(), True)
        return
    guard = OutputGuard.of(s.settings)
    with guarded(as_json):
        if fmt == "csv":
            _write(guard, rep.to_csv(report), out, force)
        elif fmt == "html":
            html = rep.to_html(report, std).encode("utf-8")
            if out is None:
                reports = s.settings.data / "reports"
                reports.mkdir(mode=0o700, exist_ok=True)
                out, force = reports / f"timeliness-{lo}-{hi}.html", True
            target = guard.write_file("out", out, html, force)
            console.print(f"timeliness report written to {for_console(target)}")
        else:
            _print_text(report, rep.text_rows(report))
            if out is not None:
                text = json.dumps(report.as_dict(), default=str, indent=2)
                guard.write_file("out", out, text.encode("utf-8"), force)


def _write(guard: OutputGuard, text: str, out: Path | None, force: bool) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        guard.write_file("out", out, text.encode("utf-8"), force)
        console.print(f"written to {for_console(out)}")


def _print_text(report: Any, rows: list[list[str]]) -> None:
    from safeshare.reports.timeliness_formats import hours as _h
    from safeshare.reports.timeliness_formats import percent as _pct

    console.rule(f"Timeliness, {for_console(report.school)}, {report.start} to {report.end}")
    steps = Table(title="Each step against its standard")
    for col in ("step", "measured", "within", "breached", "overdue", "median", "p90"):
        steps.add_column(col, justify="left" if col == "step" else "right")
    for sm in report.summaries:
        add_row(
            steps,
            sm.label,
            str(sm.measured),
            _pct(sm.within_share),
            str(sm.breached),
            str(sm.overdue),
            _h(sm.median_h),
            _h(sm.p90_h),
        )
    console.print(steps)
    months = Table(title="Month by month")
    for col in (
        "month",
        "concerns",
        "decision median",
        "decision p90",
        "delivery median",
        "delivery p90",
        "urgent in target",
        "transfers in 5 d",
        "breaches",
        "overdue",
    ):
        months.add_column(col, justify="left" if col == "month" else "right")
    for row in rows:
        add_row(months, *row)
    console.print(months)
    console.print(f"{len(report.breaches)} breaches or overdue steps (see --format html or --json)")
