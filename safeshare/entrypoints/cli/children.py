"""`safeshare child ...`"""

from __future__ import annotations

import typer

from domain.codes import ErasureReason
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, for_console, guarded

app = typer.Typer(help="Children: register one, or erase a child's personal data.")

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="The child's full name (sealed at once)."),
    dob: str = typer.Option(..., "--dob", help="Date of birth, YYYY-MM-DD."),
    by: str = typer.Option("DSL", "--by", help="Who records this."),
    upn: str | None = typer.Option(None, "--upn", help="Unique pupil number."),
    nhs_number: str | None = typer.Option(None, "--nhs-number"),
    address: str | None = typer.Option(None, "--address"),
    as_json: bool = JSON,
) -> None:
    """Register a child; prints the child's id (the only thing ever printed about them)."""
    with guarded(as_json):
        child_id = state.safeshare().children.register(
            name, dob, by=by, upn=upn, nhs_number=nhs_number, address=address
        )
    emit(
        {"child_id": str(child_id)},
        as_json,
        lambda: console.print(f"child_id {for_console(child_id)}"),
    )


@app.command("erase")
def erase(
    child_id: str = typer.Argument(..., help="The child's id."),
    reason: str = typer.Option(
        ..., "--reason", help="Why: " + ", ".join(r.value for r in ErasureReason)
    ),
    by: str = typer.Option(..., "--by"),
    as_json: bool = JSON,
) -> None:
    """Crypto-shred the child's personal data everywhere; the record's shape and proofs stay."""
    with guarded(as_json):
        concerns = state.safeshare().children.erase(child_id, reason, by)
    emit(
        {"child_id": child_id, "erased": True, "concerns": [str(c) for c in concerns]},
        as_json,
        lambda: console.print(
            f"erased: child {for_console(child_id)} ({len(concerns)} concerns now show "
            + for_console("[erased])")
        ),
    )
