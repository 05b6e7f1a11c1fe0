"""`safeshare retention ...`: each child's file reviewed at the 25th birthday, then as set."""

from __future__ import annotations

from dataclasses import asdict

import typer

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded

app = typer.Typer(help="Retention per child: sweep for reviews due, list them, review one.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("sweep")
def sweep(as_json: bool = JSON) -> None:
    """Note every child's file now due for review (run it daily, e.g. from cron)."""
    with guarded(as_json):
        noted = state.safeshare().retention.sweep()
    emit(
        {"noted_due": [str(c) for c in noted]},
        as_json,
        lambda: console.print(f"{len(noted)} child file(s) now due for review"),
    )


@app.command("due")
def due(as_json: bool = JSON) -> None:
    """The children whose file is due for review (ids only)."""
    with guarded(as_json):
        found = state.safeshare().retention.due()
    emit(found, as_json, lambda: console.print("\n".join(found) or "no review due"))


@app.command("review")
def review(
    child_id: str = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="keep or erase"),
    reason: str = typer.Option(..., "--reason", help="Why (must not identify the child)."),
    by: str = typer.Option(..., "--by"),
    next_review: str | None = typer.Option(None, "--next-review", help="YYYY-MM-DD, to keep."),
    as_json: bool = JSON,
) -> None:
    """Review a child's file: keep it until a next review, or erase it (erasure erases)."""
    with guarded(as_json):
        result = state.safeshare().retention.review(child_id, outcome, reason, by, next_review)
    emit(
        asdict(result),
        as_json,
        lambda: console.print(
            f"kept until {result.next_review}"
            if result.outcome == "keep"
            else f"erased: child {result.child_id} and {len(result.erased_concerns)} concern(s)"
        ),
    )
