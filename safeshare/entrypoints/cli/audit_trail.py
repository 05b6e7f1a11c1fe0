"""`safeshare audit trail`: who did what, when, to which record, including who viewed it.

Mounted on the `safeshare audit` app (`entrypoints/cli/audit.py`) by `register(audit_app)`.
"""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from domain.user import Role
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import check_role_if_signed_in
from safeshare.entrypoints.cli.output import add_row, console, emit, guarded
from safeshare.services import projections as ps

JSON = typer.Option(False, "--json", help="Machine-readable output.")


def register(audit_app: typer.Typer) -> None:
    audit_app.command("trail")(trail)


def trail(
    record: str | None = typer.Option(
        None, "--record", help="A record's id; a child's id finds every record about the child."
    ),
    actor: str | None = typer.Option(None, "--actor", help="Only what this person did."),
    limit: int = typer.Option(10_000, "--limit", min=1, max=1_000_000),
    as_json: bool = JSON,
) -> None:
    """The audit trail, oldest first: "who looked at this child's record?" answered."""
    from projections.audit_trail import query

    check_role_if_signed_in((Role.AUDITOR,), "read the audit trail")
    with guarded(as_json):
        r = ps.runner(state.safeshare(), "audit_trail")
        r.catch_up()
        with r.db.transaction() as tx:
            rows = query(
                tx, record=record, actor=actor, limit=limit, names=ps.staff_names(state.safeshare())
            )

    def human() -> None:
        table = Table(title="Audit trail")
        for col in ("#", "when (UTC)", "who", "action", "record", "kind", "child"):
            table.add_column(col)
        for row in rows:
            add_row(
                table,
                str(row.position),
                row.recorded_at[:19].replace("T", " "),
                row.actor,
                row.action,
                row.record_id[:8],
                row.record_kind,
                (row.child_id or "")[:8],
            )
        console.print(table)

    emit([asdict(r) for r in rows], as_json, human)
