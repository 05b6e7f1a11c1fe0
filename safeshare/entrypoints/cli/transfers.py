"""`safeshare transfer ...`: the child-protection file follows the child to a new school."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.text import Text

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded

app = typer.Typer(help="File transfers between schools: certificate, import, receipt.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("certificate")
def certificate(
    out: Path = typer.Option(..., "--out", help="Where to write transfer-cert.pem."),
    as_json: bool = JSON,
) -> None:
    """Write the certificate other schools encrypt transfer packets to (add it there as a
    `school` agency)."""
    with guarded(as_json):
        out.write_bytes(state.safeshare().transfers.transfer_certificate())
    emit({"out": str(out)}, as_json, lambda: console.print(f"wrote {out}"))


@app.command("import")
def import_(
    packet: Path = typer.Argument(..., help="The transfer packet (.p7m) received."),
    sender_ca: Path = typer.Option(
        ..., "--sender-ca", help="The sending school's CA certificate (school-ca.pem) you trust."
    ),
    receipt_out: Path = typer.Option(
        ..., "--receipt-out", help="Where to write the signed receipt to send back."
    ),
    by: str = typer.Option(..., "--by"),
    as_json: bool = JSON,
) -> None:
    """Verify, open and record a transfer packet; write the signed receipt."""
    with guarded(as_json):
        done = state.safeshare().transfers.import_packet(packet, sender_ca, by, receipt_out)
    emit(
        {**asdict(done), "receipt": str(done.receipt)},
        as_json,
        lambda: console.print(
            Text(
                f"child {done.child_id}: {len(done.concern_ids)} record(s) transferred from "
                f"{done.from_school}; receipt written to {done.receipt}"
            )
        ),
    )


@app.command("receipt")
def receipt(
    path: Path = typer.Argument(..., help="The signed receipt from the new school."),
    receiver_ca: Path = typer.Option(
        ..., "--receiver-ca", help="The new school's CA certificate (school-ca.pem)."
    ),
    by: str = typer.Option(..., "--by"),
    as_json: bool = JSON,
) -> None:
    """Record the new school's signed receipt on the transfer referral."""
    with guarded(as_json):
        done = state.safeshare().transfers.record_receipt(path, receiver_ca, by)
    emit(
        done,
        as_json,
        lambda: console.print(
            Text(f"receipt recorded on referral {done['referral_id']}, from ")
            + Text(str(done["receiving_school"]))
        ),
    )
