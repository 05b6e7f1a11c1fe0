"""`safeshare school backup|restore|rotate-keys`: a lone school's backup, restore and key
rotation, for one registered school (`--school ID`) or every one (`--all`), each on that
school's own settings through the registry. Stop the deployment's processes (or at least keep
them off the school) while a school is restored, and restart them after a rotation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from safeshare.adapters.tenant_registry import SchoolRegistry
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded
from safeshare.settings import Settings
from safeshare.tenant_ops import backup_schools, chosen_schools, restore_schools, rotate_school_keys
from safeshare.tenants import registry_for

JSON = typer.Option(False, "--json", help="Machine-readable output.")
BY = typer.Option("operator", "--by", help="Who is doing it (recorded on each school's log).")
SCHOOL = typer.Option(None, "--school", help="One registered school's id.")
EVERY = typer.Option(False, "--all", help="Every school (registered; in the backup, to restore).")


def _through_registry(work: Callable[[Settings, SchoolRegistry], dict[str, Any]]) -> dict[str, Any]:
    """`work` on this deployment's settings and its school registry, closed afterwards."""
    base = state.settings()
    registry = registry_for(base)
    try:
        return work(base, registry)
    finally:
        registry.close()


def backup(
    directory: Path = typer.Argument(..., help="A new or empty folder outside the data folder."),
    school: str | None = SCHOOL,
    every: bool = EVERY,
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Back up each school into DIR/<id>/: its event store, projections (integrity log), key
    store (encrypted to its own backup key) and attachments, each separately; each backup is
    recorded on its school's log."""
    with guarded(as_json):
        done = _through_registry(
            lambda base, reg: backup_schools(
                base, chosen_schools(reg, school, every), directory, by
            )
        )

    def show() -> None:
        for sid, m in done["schools"].items():
            console.print(
                Text(
                    f"{sid}: backup {m['backup_id']} written to {directory / sid}: "
                    f"{', '.join(m['stores'])}; {m['keys']} child key(s), "
                    f"{m['position']} record(s)"
                )
            )

    emit(done, as_json, show)


def restore(
    directory: Path = typer.Argument(..., help="A folder written by `safeshare school backup`."),
    school: str | None = SCHOOL,
    every: bool = EVERY,
    store: list[str] = typer.Option(
        [], "--store", help="Restore only this store (events, projections, keys, attachments)."
    ),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Put each school's stores back from its backup with every erasure known now re-applied
    (its event store's, its tombstones' and its witnesses'); each restore is recorded."""
    with guarded(as_json):
        done = _through_registry(
            lambda base, reg: restore_schools(
                base, reg, directory, school, every, by, only=store or None
            )
        )

    def show() -> None:
        for sid, r in done["schools"].items():
            console.print(
                Text(
                    f"{sid}: restored {', '.join(r['stores'])} from backup {r['backup_id']} "
                    f"(taken {r['backup_taken_at']}); {r['erasures_known']} erasure(s) "
                    f"re-applied, {r['keys_withheld']} erased child key(s) left out; "
                    f"checkpoint signed at size {r['checkpoint_size']}"
                )
            )

    emit(done, as_json, show)


def rotate_keys(
    key: str = typer.Argument(..., help="kek, cipher, signing or audit."),
    school: str | None = SCHOOL,
    every: bool = EVERY,
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Rotate one of each named school's keys without rewriting any event; recorded on its
    log. No other school's keys are touched. Restart the deployment's processes afterwards."""
    with guarded(as_json):
        done = _through_registry(
            lambda base, reg: rotate_school_keys(base, chosen_schools(reg, school, every), key, by)
        )

    def show() -> None:
        for sid, r in done["schools"].items():
            console.print(Text(f"{sid}: rotated {key}: {r}"))

    emit(done, as_json, show)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("rotate-keys")(rotate_keys)
