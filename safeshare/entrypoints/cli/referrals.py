"""`safeshare referral ...` and `safeshare keys ...`."""

from __future__ import annotations

from pathlib import Path

import typer

from domain.user import Role
from domain.visible_text import visible
from safeshare.adapters.safe_output import OutputGuard
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import CASEWORK, READERS, by_option, check_role_if_signed_in
from safeshare.entrypoints.cli.output import add_row, console, emit, for_console, guarded

app = typer.Typer(help="Referrals: one packet to one agency for one decision.")
keys_app = typer.Typer(help="The school's keys and certificates.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("packet")
def packet(
    referral_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="Where to write the sealed packet (.p7m)."),
    by: str = by_option(READERS, default="DSL"),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    as_json: bool = JSON,
) -> None:
    """Write the sealed packet for manual upload; the export is recorded on the referral."""
    with guarded(as_json):
        ready = state.safeshare().packets.export(referral_id, out, by, force)
    data = {
        "referral_id": referral_id,
        "packet_id": ready.packet_id,
        "sha256": ready.sealed.sha256,
        "out": str(out),
    }
    emit(
        data,
        as_json,
        lambda: console.print(f"wrote {for_console(out)} (sha256 {ready.sealed.sha256})"),
    )


@keys_app.command("export-certificate")
def export_certificate(
    out: Path = typer.Option(..., "--out", help="Where to write school-ca.pem."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
    as_json: bool = JSON,
) -> None:
    """Write the school's CA certificate, which agencies use to verify packets, followed by
    the CA certificates it replaced (`keys rotate signing`): older packets verify too."""
    from safeshare.services.key_rotation import trust_bundle

    with guarded(as_json):
        settings = state.settings()
        OutputGuard.of(settings).write_file("out", out, trust_bundle(settings), force)
    emit({"out": str(out)}, as_json, lambda: console.print(f"wrote {for_console(out)}"))


@app.command("list")
def list_(
    status: str | None = typer.Option(
        None, "--status", help="prepared, dispatched, delivered, failed, escalated or withheld"
    ),
    as_json: bool = JSON,
) -> None:
    """Referrals and where each stands, escalated and failed first."""
    from rich.table import Table

    from safeshare.services.referrals import list_referrals

    check_role_if_signed_in((Role.DSL, Role.AUDITOR), "list referrals")
    with guarded(as_json):
        rows = list_referrals(state.safeshare(), status)

    def human() -> None:
        table = Table(title="Referrals")
        for col in ("!", "referral", "agency", "status", "attempts", "last error"):
            table.add_column(col)
        for r in rows:
            add_row(
                table,
                "URGENT" if r["urgent"] else "",
                str(r["referral_id"]),
                str(r["agency_id"]),
                str(r["status"]),
                str(r["attempts"]),
                str(r["escalation_reason"] or r["last_error"] or ""),
            )
        console.print(table)

    emit(rows, as_json, human)


@app.command("retry")
def retry(
    referral_id: str = typer.Argument(...),
    by: str = by_option(CASEWORK),
    as_json: bool = JSON,
) -> None:
    """Send a failed or escalated referral again, after fixing its agency; the relay picks
    it up (attempts and deadline start over)."""
    from safeshare.services.referrals import retry_referral

    with guarded(as_json):
        result = retry_referral(state.safeshare(), referral_id, by)
    emit(
        result,
        as_json,
        lambda: console.print(
            f"retry requested for {for_console(referral_id)} by {for_console(by)}"
        ),
    )


@app.command("confirm-recipient")
def confirm_recipient(
    referral_id: str = typer.Argument(...),
    by: str = typer.Option(..., "--by", help="The DSL who confirms it."),
    as_json: bool = JSON,
) -> None:
    """Send a decided referral to its agency's changed certificate or address: a recorded
    decision for this referral (a changed directory entry never moves one by itself)."""
    with guarded(as_json):
        frozen = state.safeshare().packets.confirm_recipient(referral_id, by)
    emit(
        {"referral_id": referral_id, **frozen},
        as_json,
        lambda: console.print(
            f"referral {for_console(referral_id)} now goes to {for_console(frozen['address'])} "
            f"(certificate {frozen['certificate_fingerprint']})",
            highlight=False,
        ),
    )


@app.command("acknowledge")
def acknowledge(
    referral_id: str = typer.Argument(...),
    outcome: str = typer.Option(
        ...,
        "--outcome",
        help="assessment, strategy-discussion, early-help, no-further-action, referred-on, other",
    ),
    at: str = typer.Option(..., "--at", help="When the agency acknowledged it (ISO 8601)."),
    by: str = by_option(CASEWORK),
    as_json: bool = JSON,
) -> None:
    """Record the agency's acknowledgement and decision on a delivered referral."""
    from safeshare.services.referrals import acknowledge_referral

    with guarded(as_json):
        result = acknowledge_referral(state.safeshare(), referral_id, outcome, at, by)
    emit(result, as_json, lambda: console.print(f"acknowledged: {for_console(outcome)}"))


@app.command("phoned")
def phoned(
    referral_id: str = typer.Argument(...),
    called: str = typer.Option(..., "--called", help="Who took the call (name and role)."),
    at: str = typer.Option(..., "--at", help="When you phoned (ISO 8601)."),
    reference: str = typer.Option(..., "--reference", help="The reference they gave you."),
    by: str = by_option(CASEWORK),
    as_json: bool = JSON,
) -> None:
    """Record a referral phoned through to the police or the MASH: its first delivery; the
    packet follows as the written confirmation."""
    from safeshare.services.referral_pages import record_phone_call

    with guarded(as_json):
        s = state.safeshare()
        call = record_phone_call(s.ctx, s.packets.referral(referral_id), called, at, reference, by)
    emit(
        {
            "referral_id": referral_id,
            "called_at": call.called_at.isoformat(),
            "by": call.recorded_by,
        },
        as_json,
        lambda: console.print(f"telephone referral recorded for {for_console(referral_id)}"),
    )


@app.command("show")
def show(
    referral_id: str = typer.Argument(...),
    as_of: str | None = typer.Option(None, "--as-of", help="ISO 8601: as it stood then."),
    by: str = by_option(READERS, default="DSL"),
    as_json: bool = JSON,
) -> None:
    """Exactly what the agency received (the packet fixed at the decision) and its SHA-256,
    with every attempt to send it."""
    from rich.text import Text

    with guarded(as_json):
        data = state.safeshare().views.show_referral(referral_id, by, as_of)

    def human() -> None:
        console.print(
            Text(
                f"referral {data['referral_id']} → {data['agency_id']}: {data['status']}"
                + (f" (as of {data['as_of']})" if data["as_of"] else "")
            )
        )
        for send in data["sends"]:
            console.print(Text(f"  attempt {send['attempt']} by {send['channel']} at {send['at']}"))
        call = data["phone_call"]
        if call is not None:
            console.print(
                Text(
                    f"  phoned at {call['called_at']} by {visible(call['recorded_by'])}: taken by "
                    f"{visible(call['called'])}, their reference {visible(call['reference'])}"
                )
            )
        packet = data["packet"]
        if packet is None:
            console.print("no packet was fixed at the decision (decided before freezing)")
            return
        console.print(Text(f"sha256 of the signed packet: {packet['content_sha256']}"))
        if not packet["intact"]:
            console.print(Text("the packet cannot be opened: erased, or altered at rest"))
            return
        console.print(Text(visible(str(packet["text"]))))

    emit(data, as_json, human)
