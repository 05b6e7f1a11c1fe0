"""`safeshare child ...`"""

from __future__ import annotations

import typer

from domain.codes import ErasureReason, Relationship
from domain.user import Role
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import CASEWORK, by_option
from safeshare.entrypoints.cli.output import console, emit, for_console, guarded

app = typer.Typer(
    help="Children: register one, the people around them, or erase their personal data."
)

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="The child's full name (sealed at once)."),
    dob: str = typer.Option(..., "--dob", help="Date of birth, YYYY-MM-DD."),
    by: str = by_option((Role.DSL, Role.ADMIN), default="DSL"),
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
    by: str = by_option(CASEWORK),
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


@app.command("person-add")
def person_add(
    child_id: str = typer.Argument(..., help="The child's id."),
    relationship: str = typer.Option(
        ..., "--relationship", help=", ".join(r.value for r in Relationship)
    ),
    name: str = typer.Option(..., "--name", help="Their name (sealed with the child's key)."),
    by: str = by_option(CASEWORK),
    parental_responsibility: bool = typer.Option(False, "--parental-responsibility"),
    lives_with_child: bool = typer.Option(False, "--lives-with-child"),
    organisation: str | None = typer.Option(None, "--organisation", help="For a professional."),
    contact: str | None = typer.Option(None, "--contact"),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JSON,
) -> None:
    """Record a parent, carer, household member, sibling or professional around the child."""
    with guarded(as_json):
        person_id = state.safeshare().children.record_person(
            child_id,
            relationship,
            name,
            by,
            parental_responsibility=parental_responsibility,
            lives_with_child=lives_with_child,
            organisation=organisation,
            contact=contact,
            note=note,
        )
    emit({"person_id": person_id}, as_json, lambda: console.print(f"person_id {person_id}"))


@app.command("person-remove")
def person_remove(
    child_id: str = typer.Argument(...),
    person_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    by: str = by_option(CASEWORK),
    as_json: bool = JSON,
) -> None:
    """Someone no longer around the child; the record keeps that they were."""
    with guarded(as_json):
        state.safeshare().children.remove_person(child_id, person_id, reason, by)
    emit({"person_id": person_id, "removed": True}, as_json, lambda: console.print("removed"))


@app.command("people")
def people(
    child_id: str = typer.Argument(...),
    as_json: bool = JSON,
) -> None:
    """The people around the child (parents and carers, household, professionals)."""
    from dataclasses import asdict

    from rich.table import Table

    with guarded(as_json):
        found = state.safeshare().children.people(child_id)

    def human() -> None:
        table = Table(title="People around the child")
        for col in ("relationship", "name", "PR", "lives with", "organisation", "id"):
            table.add_column(col)
        for p in found:
            table.add_row(
                for_console(p.relationship_label),
                for_console(p.name),
                "yes" if p.parental_responsibility else "",
                "yes" if p.lives_with_child else "",
                for_console(p.organisation or ""),
                p.person_id,
            )
        console.print(table)

    emit([asdict(p) for p in found], as_json, human)
