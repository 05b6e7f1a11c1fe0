"""`safeshare referral ...` and `safeshare keys ...`."""

from __future__ import annotations

from pathlib import Path

import typer

from safeshare.cli import state
from safeshare.cli.output import console, emit, guarded

app = typer.Typer(help="Referrals: one packet to one agency for one decision.")
keys_app = typer.Typer(help="The school's keys and certificates.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("packet")
def packet(
    referral_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="Where to write the sealed packet (.p7m)."),
    by: str = typer.Option("DSL", "--by"),
    as_json: bool = JSON,
) -> None:
    """Write the sealed packet for manual upload; the export is recorded on the referral."""
    with guarded(as_json):
        ready = state.safeshare().packets.export(referral_id, out, by)
    data = {
        "referral_id": referral_id,
        "packet_id": ready.packet_id,
        "sha256": ready.sealed.sha256,
        "out": str(out),
    }
    emit(data, as_json, lambda: console.print(f"wrote {out} (sha256 {ready.sealed.sha256})"))


@keys_app.command("export-certificate")
def export_certificate(
    out: Path = typer.Option(..., "--out", help="Where to write school-ca.pem."),
    as_json: bool = JSON,
) -> None:
    """Write the school's CA certificate, which agencies use to verify packets."""
    with guarded(as_json):
        pem = state.safeshare().packets.school.ca_pem()
        out.write_bytes(pem)
    emit({"out": str(out)}, as_json, lambda: console.print(f"wrote {out}"))
