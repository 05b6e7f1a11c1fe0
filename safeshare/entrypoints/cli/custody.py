"""`safeshare backup DIR`, `safeshare restore DIR` and `safeshare keys rotate KEY`.

Each opens and closes the school itself (a restore and a rotation rebuild it around new stores
or new keys), and each is recorded on the school's custody log.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from safeshare.bootstrap import build
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded
from safeshare.services.school import Safeshare

JSON = typer.Option(False, "--json", help="Machine-readable output.")
BY = typer.Option("operator", "--by", help="Who is doing it (recorded).")


def _opener() -> Safeshare:
    return build(state.settings())


def backup(
    directory: Path = typer.Argument(..., help="A new or empty folder outside the data folder."),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Back up the event store, the projections (integrity log), the key store (encrypted to
    the backup key) and the attachments, each separately; the backup is recorded."""
    from safeshare.services.backups import backup as take_backup

    with guarded(as_json):
        manifest = take_backup(state.safeshare(), directory, by)
    emit(
        manifest,
        as_json,
        lambda: console.print(
            Text(
                f"backup {manifest['backup_id']} written to {directory}: "
                f"{', '.join(manifest['stores'])}; {manifest['keys']} child key(s), "
                f"{manifest['position']} record(s)"
            )
        ),
    )


def restore(
    directory: Path = typer.Argument(..., help="A folder written by `safeshare backup`."),
    store: list[str] = typer.Option(
        [], "--store", help="Restore only this store (events, projections, keys, attachments)."
    ),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Put the stores back from a backup with every erasure known now re-applied (the event
    stores' and the erasure tombstones'); the restore is recorded. Stop every other process of
    the school first."""
    from safeshare.services.backups import restore as put_back

    with guarded(as_json):
        state.session().close()
        done = put_back(state.settings(), directory, _opener, by, only=store or None)
    emit(
        done,
        as_json,
        lambda: console.print(
            Text(
                f"restored {', '.join(done['stores'])} from backup {done['backup_id']} "
                f"(taken {done['backup_taken_at']}); {done['erasures_known']} erasure(s) "
                f"re-applied, {done['keys_withheld']} erased child key(s) left out; "
                f"checkpoint signed at size {done['checkpoint_size']}"
            )
        ),
    )


def rotate(
    key: str = typer.Argument(..., help="kek, cipher, signing or audit."),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Rotate one of the school's keys without rewriting any event; the rotation is recorded.
    Restart every process of the school afterwards."""
    from safeshare.services.key_rotation import rotate as rotate_key

    with guarded(as_json):
        state.session().close()
        done = rotate_key(key, state.settings(), _opener, by)
    emit(done, as_json, lambda: console.print(Text(f"rotated {key}: {done}")))


def register(app: typer.Typer, keys_app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    keys_app.command("rotate")(rotate)
