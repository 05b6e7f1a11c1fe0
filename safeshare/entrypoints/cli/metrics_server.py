"""`/metrics` from a process with no web server of its own (the relay, a worker, the projection
runner, the DSL alerts), when `SAFESHARE_METRICS_PORT` is set; off by default."""

from __future__ import annotations

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import err_console
from safeshare.services.school import Safeshare


def serve_metrics(school: Safeshare | None) -> None:
    """Start serving in a daemon thread; `school` adds the school's gauges (queue depths,
    projection lag, checkpoint age), left out where the process holds no school of its own
    (a prefork worker's main process)."""
    settings = state.settings()
    if settings.metrics_port is None:
        return
    from safeshare.adapters.metrics import serve
    from safeshare.services.metrics import SchoolMetrics

    serve(
        settings.metrics_port,
        settings.metrics_address,
        SchoolMetrics(school) if school is not None else None,
    )
    err_console.print(
        f"metrics on http://{settings.metrics_address}:{settings.metrics_port}/metrics",
        highlight=False,
    )
