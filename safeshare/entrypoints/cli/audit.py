"""`safeshare audit ...`: what an auditor runs (DESIGN.md "Integrity: what auditors verify").

Exit codes: 0 when everything holds, 1 when `verify` finds a problem (each named with its
position), 2 for bad input. Other modules add their audit commands to `app` (e.g. `audit trail`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.table import Table

from domain.errors import InvalidValue
from domain.user import Role
from projections.checkpoint import Checkpoint, CheckpointFormatError
from safeshare.adapters.audit_key import load_public_key
from safeshare.adapters.audit_store import StoreUnreadable
from safeshare.adapters.safe_output import OutputGuard
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import by_option, check_role_if_signed_in
from safeshare.entrypoints.cli.output import (
    EXIT_REFUSED,
    add_row,
    console,
    emit,
    fail,
    for_console,
    guarded,
)
from safeshare.services.audit import audit_service
from safeshare.services.health import age_text

app = typer.Typer(help="Auditors: checkpoints, verification, as-of replay, offline export.")

JSON = typer.Option(False, "--json", help="Machine-readable output.")
EXIT_PROBLEMS = 1


def _read_checkpoints(files: list[Path]) -> list[Checkpoint]:
    kept: list[Checkpoint] = []
    for f in files:
        try:
            # a copy saved from a mail or on Windows may have CRLF line ends: same checkpoint
            text = f.read_text(encoding="utf-8").replace("\r\n", "\n")
            kept.append(Checkpoint.from_text(text))
        except (OSError, UnicodeDecodeError, CheckpointFormatError) as e:
            raise InvalidValue("checkpoint", f"{f}: not a readable checkpoint ({e})") from None
    return kept


def _read_witnessed(files: list[Path]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for f in files:
        try:
            out.append((f.name, f.read_text(encoding="utf-8").replace("\r\n", "\n")))
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidValue("witness", f"{f}: cannot be read ({type(e).__name__})") from None
    return out


def _read_witness_key(path: Path | None) -> Ed25519PublicKey | None:
    if path is None:
        return None
    try:
        return load_public_key(path.read_bytes())
    except (OSError, ValueError) as e:
        raise InvalidValue("witness-key", f"{path}: not an Ed25519 public key ({e})") from None


def witnessed_age(newest: tuple[str, int, datetime] | None, now: datetime, given: bool) -> str:
    """Plainly, how old the newest witnessed checkpoint is (what outside the school vouches)."""
    if newest is None:
        if given:
            return "witnessed: NONE of the witnessed checkpoints given holds"
        return (
            "witnessed: never (no witness has cosigned a checkpoint: nothing outside the school "
            "vouches for this history; see SAFESHARE_WITNESSES)"
        )
    witness, size, at = newest
    source = "" if given else " (as this school recorded it)"
    return (
        f"witnessed: the newest witnessed checkpoint (size {size}, by {witness}) is "
        f"{age_text(now - at)} old{source}"
    )


@app.command("checkpoint")
def checkpoint(as_json: bool = JSON) -> None:
    """Catch the integrity log up and sign a checkpoint of it now; prints the checkpoint
    (keep a copy: `audit verify --checkpoint FILE` checks later logs against it)."""
    with guarded(as_json):
        service = audit_service(state.safeshare())
        cp = service.checkpoint()
    answers = service.witness_answers

    def human() -> None:
        print(cp.to_text(), end="")
        for a in answers:
            console.print(f"witness {a.witness}: {a.outcome} ({a.detail})", markup=False)

    emit(
        {
            "origin": cp.origin,
            "size": cp.size,
            "checkpoint": cp.to_text(),
            "witnesses": [_answer(a) for a in answers],
        },
        as_json,
        human,
    )


def _answer(a: Any) -> dict[str, str]:
    return {"witness": a.witness, "outcome": a.outcome, "detail": a.detail}


@app.command("verify")
def verify(
    checkpoint_files: list[Path] = typer.Option(
        [], "--checkpoint", help="A checkpoint kept from earlier (repeat for more)."
    ),
    witness_files: list[Path] = typer.Option(
        [], "--witness", help="A witness's cosigned checkpoint (`witness checkpoint URL`)."
    ),
    witness_key: Path | None = typer.Option(
        None, "--witness-key", help="The witness's public key (PEM): check its cosignature."
    ),
    as_json: bool = JSON,
) -> None:
    """Recompute the tree from the store; check every record and every checkpoint, and that
    the store extends every witnessed checkpoint."""
    check_role_if_signed_in((Role.AUDITOR,), "verify the log")
    with guarded(as_json):
        kept = _read_checkpoints(checkpoint_files)
        witnessed = _read_witnessed(witness_files)
        wkey = _read_witness_key(witness_key)
        service = audit_service(state.safeshare())
        try:
            problems = service.verify(kept)
            check = service.check_witnessed(witnessed, wkey)
        except StoreUnreadable as e:
            fail(EXIT_REFUSED, f"verify failed: {e}", as_json)
        problems += check.problems
        size = len(service.checkpoints())
        unlogged = service.unlogged()
        newest = check.newest or (None if witnessed else service.newest_witnessed())
        now = service.s.ctx.clock()
    witness_line = witnessed_age(newest, now, bool(witnessed))
    data = {
        "ok": not problems,
        "checkpoints": size,
        "unlogged_records": unlogged,
        "external_checkpoints": len(kept),
        "witnessed_checkpoints": len(check.checkpoints),
        "newest_witnessed": None
        if newest is None
        else {"witness": newest[0], "size": newest[1], "cosigned_at": newest[2].isoformat()},
        "witnessed": witness_line,
        "problems": [
            {"kind": p.kind, "position": p.position, "message": p.message} for p in problems
        ],
    }

    def human() -> None:
        for p in problems:
            where = f"position {p.position}" if p.position is not None else "checkpoints"
            console.print(
                f"PROBLEM [{p.kind}] at {where}: {p.message}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        if problems:
            console.print(f"FAILED: {len(problems)} problem(s)", highlight=False)
        else:
            console.print(
                f"OK: every record and {size} checkpoint(s) (+{len(kept)} kept) verify",
                highlight=False,
            )
        console.print(witness_line, highlight=False, markup=False, soft_wrap=True)
        if unlogged:
            console.print(
                f"note: {unlogged} record(s) stored since the log last ran are not covered yet "
                "(`safeshare audit checkpoint` logs and signs them)",
                highlight=False,
            )

    emit(data, as_json, human)
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("replay")
def replay(
    concern_id: str = typer.Argument(..., help="The concern's id."),
    as_of: str = typer.Option(..., "--as-of", help="ISO 8601 moment; no offset means UTC."),
    by: str = by_option((Role.AUDITOR,), default="auditor"),
    as_json: bool = JSON,
) -> None:
    """The concern exactly as the record stood at a moment, with proofs of its events."""
    with guarded(as_json):
        data = audit_service(state.safeshare()).replay(concern_id, as_of, viewer=by)
    emit(data, as_json, lambda: print_replay(data))


def print_replay(data: dict[str, Any]) -> None:
    if not data["existed"]:
        console.print(data["message"], highlight=False, markup=False)
        return
    from safeshare.entrypoints.cli.case_display import print_case

    proof_keys = ("position", "leaf_index", "leaf_hash", "proof", "included")
    events = [{k: v for k, v in e.items() if k not in proof_keys} for e in data["events"]]
    print_case({**data, "events": events})
    table = Table(title="Proofs against the latest checkpoint")
    for col in ("#", "position", "leaf", "in the log"):
        table.add_column(col)
    for e in data["events"]:
        add_row(
            table,
            str(e["version"]),
            str(e["position"]),
            str(e.get("leaf_index")),
            "yes" if e["included"] else "NO",
        )
    console.print(table)


@app.command("export")
def export(
    directory: Path = typer.Argument(..., help="Folder to write the bundle into."),
    concern: str | None = typer.Option(None, "--concern", help="Prove this concern's records."),
    as_json: bool = JSON,
) -> None:
    """Write the offline bundle an auditor verifies with `python3 -I verify_bundle.py`."""
    check_role_if_signed_in((Role.AUDITOR,), "export the log")
    with guarded(as_json):
        OutputGuard.of(state.settings()).new_folder("directory", directory)
        summary = audit_service(state.safeshare()).export(directory, concern)
    emit(
        summary,
        as_json,
        lambda: console.print(
            f"bundle written to {for_console(directory)}: {summary['records']} records, "
            f"{summary['checkpoints']} checkpoints, {summary['inclusion_proofs']} proofs",
            highlight=False,
        ),
    )
