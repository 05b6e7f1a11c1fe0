"""`safeshare request ...`: requests for information received (Children Act 2004 s16H / s14B)."""

from __future__ import annotations

import typer
from rich.text import Text

from domain.codes import RequestBasis
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded

app = typer.Typer(help="Requests for information received: record, answer, reply.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")
BY = typer.Option(..., "--by", help="Who records this.")


@app.command("receive")
def receive(
    concern_id: str = typer.Argument(..., help="The concern the request is about."),
    requester: str = typer.Option(..., "--from", help="The requesting agency's id."),
    what: str = typer.Option(..., "--what", help="What they ask for."),
    why: str | None = typer.Option(None, "--why", help="Why they need it (required)."),
    cites: str = typer.Option("none", "--cites", help=", ".join(b.value for b in RequestBasis)),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Record a request for information received about the child of a concern."""
    with guarded(as_json):
        rid = state.safeshare().requests.receive(concern_id, requester, what, why, by, cites)
    emit({"request_id": str(rid)}, as_json, lambda: console.print(f"request_id {rid}"))


@app.command("answer")
def answer(
    request_id: str = typer.Argument(...),
    share: bool = typer.Option(..., "--share/--no-share"),
    reasons: str | None = typer.Option(None, "--reasons", help="Required either way."),
    by: str = BY,
    purpose: str | None = typer.Option(None, "--purpose", help="Default: the requester's reason."),
    field: list[str] = typer.Option([], "--field", help="Narrow what the requester receives."),
    as_json: bool = JSON,
) -> None:
    """Decide through the flowchart, either way, with reasons; a share is a referral."""
    with guarded(as_json):
        result = state.safeshare().requests.answer(
            request_id, share, reasons, by, purpose=purpose, fields=field or None
        )
    data = {
        "request_id": request_id,
        "decision_no": result.decision_no,
        "share": result.share,
        "decided_at": result.decided_at_step,
        "path": result.path,
        "referral_ids": [str(r) for r in result.referral_ids],
    }

    def human() -> None:
        console.print(
            f"{'SHARE' if result.share else 'DO NOT SHARE'} (decided at: {result.decided_at_step})"
        )
        if not result.share:
            console.print("record the reply: safeshare request reply REQUEST_ID --reply ...")

    emit(data, as_json, human)


@app.command("reply")
def reply(
    request_id: str = typer.Argument(...),
    text: str | None = typer.Option(
        None, "--reply", help="What the requester was told (the reasons, for a refusal)."
    ),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Record the reply to the requester (policy: "discuss them with the requester")."""
    with guarded(as_json):
        state.safeshare().requests.reply(request_id, text, by)
    emit({"request_id": request_id, "replied": True}, as_json, lambda: console.print("replied"))


@app.command("show")
def show(request_id: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """A request, its answer and the reply."""
    with guarded(as_json):
        data = state.safeshare().requests.show(request_id)

    def human() -> None:
        for key in ("requester_id", "cites_label", "what", "why", "shared", "reply"):
            console.print(Text(f"{key.replace('_', ' ')}: {data[key]}"))

    emit(data, as_json, human)
