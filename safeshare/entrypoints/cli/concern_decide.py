"""`safeshare concern decide`: the decision to share or not, with its reasons, the flowchart
path it took, the referrals it prepared and any portal uploads left to the DSL."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.text import Text

from domain.errors import InvalidValue
from domain.visible_text import visible
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import CASEWORK, by_option
from safeshare.entrypoints.cli.output import console, emit, for_console, guarded
from safeshare.services.referrals import portal_uploads

JSON = typer.Option(False, "--json", help="Machine-readable output.")
BY = by_option(CASEWORK)


def decide(
    concern_id: str = typer.Argument(...),
    share: bool = typer.Option(..., "--share/--no-share", help="Share, or do not share."),
    reasons: str | None = typer.Option(None, "--reasons", help="Required either way."),
    by: str = BY,
    purpose: str | None = typer.Option(None, "--purpose"),
    to: list[str] = typer.Option([], "--to", help="Agency id; repeat for several."),
    field: list[str] = typer.Option(
        [], "--field", help="AGENCY=FIELD,FIELD to narrow what one agency receives."
    ),
    widening_reason: str | None = typer.Option(None, "--widening-reason"),
    not_identifiable: bool = typer.Option(
        False, "--not-identifiable", help="The information shared does not identify the child."
    ),
    police_not_told_reason: str | None = typer.Option(None, "--police-not-told-reason"),
    redacted_facts: str | None = typer.Option(
        None, "--redacted-facts", help="With --not-identifiable: the facts as sent, redacted."
    ),
    redacted_opinion: str | None = typer.Option(
        None, "--redacted-opinion", help="With --not-identifiable: the opinion as sent, redacted."
    ),
    lado_not_told_reason: str | None = typer.Option(
        None, "--lado-not-told-reason", help="An allegation against staff not sent to the LADO."
    ),
    as_json: bool = JSON,
) -> None:
    """Decide to share or not, with reasons; prints the flowchart path and referral ids."""
    fields: dict[str, Sequence[str]] = {}
    with guarded(as_json):
        for spec in field:
            agency, _, names = spec.partition("=")
            if not names:
                raise InvalidValue("field", "use AGENCY=FIELD,FIELD")
            fields[agency.strip()] = [n for n in names.split(",") if n.strip()]
        result = state.safeshare().concerns.decide(
            concern_id,
            share,
            reasons,
            by,
            purpose=purpose,
            to=to,
            fields=fields or None,
            widening_reason=widening_reason,
            identifiable=not not_identifiable,
            police_not_told_reason=police_not_told_reason,
            redacted_facts=redacted_facts,
            redacted_opinion=redacted_opinion,
            lado_not_told_reason=lado_not_told_reason,
        )
    uploads = portal_uploads(state.safeshare(), [str(r) for r in result.referral_ids])
    data = {
        "concern_id": concern_id,
        "decision_no": result.decision_no,
        "share": result.share,
        "decided_at": result.decided_at_step,
        "path": result.path,
        "referral_ids": [str(r) for r in result.referral_ids],
        "recipients": [
            {"agency_id": r.agency_id, "decided_at": r.decided_at_step, "path": r.path}
            for r in result.recipients
        ],
        "portal_uploads": uploads,
    }

    def human() -> None:
        verdict = "SHARE" if result.share else "DO NOT SHARE"
        console.print(f"[bold]{verdict}[/] (decided at: {for_console(result.decided_at_step)})")
        console.print("path: " + " → ".join(for_console(p) for p in result.path))
        for each in result.recipients:
            console.print(
                f"  {for_console(each.agency_id)}: " + " → ".join(for_console(p) for p in each.path)
            )
        for r in result.referral_ids:
            console.print(f"referral {for_console(r)}")
        for upload in uploads:
            console.print(Text(visible(upload["instructions"])))

    emit(data, as_json, human)
