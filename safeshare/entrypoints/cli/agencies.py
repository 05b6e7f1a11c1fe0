"""`safeshare agency ...`: the directory of agencies the school refers to."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from domain.user import Role
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import by_option
from safeshare.entrypoints.cli.output import add_row, console, emit, fail, for_console, guarded

app = typer.Typer(help="The agency directory (every change is recorded with who and when).")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("add")
def add(
    agency_id: str = typer.Option(..., "--id"),
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option(
        ..., "--kind", help="mash, social-care, nspcc, police, lado, school, other"
    ),
    channel: str = typer.Option(..., "--channel", help="smtp or https"),
    address: str = typer.Option(..., "--address", help="Email address or https:// URL."),
    cert: Path = typer.Option(..., "--cert", help="The agency's X.509 certificate (PEM)."),
    by: str = by_option((Role.ADMIN, Role.DSL), default="DSL"),
    fields: list[str] = typer.Option([], "--fields", help="Packet fields it receives."),
    mail_certificate: bool = typer.Option(
        True,
        "--mail-certificate/--no-mail-certificate",
        help="Whether its mailbox holds its certificate and key (opens S/MIME mail). "
        "Without one, referrals go by upload to --portal, never by mail.",
    ),
    portal: str | None = typer.Option(
        None, "--portal", help="https:// address of the agency's portal for packet uploads."
    ),
    as_json: bool = JSON,
) -> None:
    """Add a new agency (an id already in the directory is refused: see replace-certificate
    and change-address)."""
    try:
        pem = cert.read_text()
    except (OSError, UnicodeDecodeError):
        fail(2, f"cert: cannot read {cert}", as_json)
    flat = [f for spec in fields for f in spec.split(",") if f.strip()]
    with guarded(as_json):
        state.safeshare().agencies.add(
            agency_id,
            name,
            kind,
            channel,
            address,
            pem,
            by,
            flat,
            mail_certificate=mail_certificate,
            portal=portal,
        )
    emit(
        {"agency_id": agency_id, "added": True},
        as_json,
        lambda: console.print(f"added {for_console(agency_id)}"),
    )


@app.command("replace-certificate")
def replace_certificate(
    agency_id: str = typer.Argument(...),
    cert: Path = typer.Option(..., "--cert", help="The agency's new X.509 certificate (PEM)."),
    reason: str = typer.Option(..., "--reason"),
    by: str = typer.Option(..., "--by"),
    as_json: bool = JSON,
) -> None:
    """Replace an agency's certificate; the old and new fingerprints go into `agency history`.
    Referrals already decided keep their certificate until the DSL confirms each one
    (`referral confirm-recipient`) or decides again."""
    try:
        pem = cert.read_text()
    except (OSError, UnicodeDecodeError):
        fail(2, f"cert: cannot read {cert}", as_json)
    with guarded(as_json):
        old, new = state.safeshare().agencies.replace_certificate(agency_id, pem, reason, by)
    emit(
        {"agency_id": agency_id, "old_fingerprint": old, "new_fingerprint": new},
        as_json,
        lambda: console.print(
            f"certificate of {for_console(agency_id)} replaced: {old} -> {new}", highlight=False
        ),
    )


@app.command("change-address")
def change_address(
    agency_id: str = typer.Argument(...),
    channel: str = typer.Option(..., "--channel", help="smtp or https"),
    address: str = typer.Option(..., "--address", help="Email address or https:// URL."),
    reason: str = typer.Option(..., "--reason"),
    by: str = typer.Option(..., "--by"),
    as_json: bool = JSON,
) -> None:
    """Change an agency's channel and address (recorded with the old ones). Referrals already
    decided keep their address until the DSL confirms each one or decides again."""
    with guarded(as_json):
        state.safeshare().agencies.change_address(agency_id, channel, address, reason, by)
    emit(
        {"agency_id": agency_id, "channel": channel, "address": address},
        as_json,
        lambda: console.print(f"address of {for_console(agency_id)} changed"),
    )


@app.command("list")
def list_(as_json: bool = JSON) -> None:
    """The directory."""
    with guarded(as_json):
        agencies = state.safeshare().agencies.entries()
    rows = [{k: v for k, v in a.items() if k != "certificate_pem"} for a in agencies]

    def human() -> None:
        table = Table(title="Agencies")
        for col in ("id", "name", "kind", "channel", "address", "fields"):
            table.add_column(col)
        for a in rows:
            add_row(
                table,
                a["agency_id"],
                a["name"],
                a["kind"],
                Text(
                    a["channel"]
                    if a.get("mail_certificate", True)
                    else f"{a['channel']} (no mail certificate: upload to {a.get('portal')})"
                ),
                a["address"],
                ", ".join(a["profile"]),
            )
        console.print(table)

    emit(rows, as_json, human)


@app.command("remove")
def remove(
    agency_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    by: str = by_option((Role.ADMIN, Role.DSL), default="DSL"),
    as_json: bool = JSON,
) -> None:
    """Remove an agency from the directory (recorded, with the reason)."""
    with guarded(as_json):
        state.safeshare().agencies.remove(agency_id, reason, by)
    emit(
        {"agency_id": agency_id, "removed": True},
        as_json,
        lambda: console.print(f"removed {for_console(agency_id)}"),
    )


@app.command("history")
def history(as_json: bool = JSON) -> None:
    """Every change to the directory, with who and when."""
    with guarded(as_json):
        rows = state.safeshare().agencies.history()

    def human() -> None:
        table = Table(title="Agency directory history")
        for col in ("when", "change", "agency", "by", "reason", "detail"):
            table.add_column(col)
        for r in rows:
            add_row(
                table,
                r["recorded_at"][:19],
                r["change"],
                r["agency_id"],
                r["by"],
                r["reason"] or "",
                r.get("detail", ""),
            )
        console.print(table)

    emit(rows, as_json, human)
