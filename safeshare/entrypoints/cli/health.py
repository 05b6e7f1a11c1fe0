"""`safeshare health`: exit 0 when the service can do its work (warnings said), 1 when not."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded
from safeshare.services.health import Status, check_health

JSON = typer.Option(False, "--json", help="Machine-readable output.")
STYLE = {Status.OK: "green", Status.WARNING: "yellow", Status.FAILED: "bold red"}


def health(as_json: bool = JSON) -> None:
    """The event store, key store, broker, projection lag, newest checkpoint's age and the
    certificates expiring within 30 days; for container health checks."""
    with guarded(as_json):
        found = check_health(state.safeshare())
    data = {
        "healthy": found.healthy,
        "checks": [
            {"name": c.name, "status": c.status.value, "detail": c.detail} for c in found.checks
        ],
    }

    def human() -> None:
        table = Table(title="Health")
        for col in ("check", "status", "detail"):
            table.add_column(col)
        for c in found.checks:
            table.add_row(Text(c.name), Text(c.status.value, style=STYLE[c.status]), Text(c.detail))
        console.print(table)

    emit(data, as_json, human)
    if not found.healthy:
        raise typer.Exit(1)
