"""Backups that honour erasure (issue 15, part 2).

A backup is a folder: the event store, the projections store (which keeps the integrity log
and its signed checkpoints), the key store sealed to the backup key, and the attachment files,
each taken separately by the database's own means, with a manifest written last.

A restore must never bring an erased child back. Three sources say who was erased: the event
store as it stands before the restore, the restored event store, and the erasure tombstones kept
outside the data folder. The restored key store is written *without* those children's keys (so
nothing can ever read them from it), erasures missing from the restored event store are recorded
again, and the restore itself is recorded; then the integrity log is caught up and signed, so
`audit verify` passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from domain.child import Child
from domain.errors import InvalidValue
from safeshare.adapters.erasure_tombstones import ErasureTombstones
from safeshare.adapters.key_files import BackupKey
from safeshare.adapters.keystore_backup import open_keys, seal_keys
from safeshare.adapters.pg import PgParams
from safeshare.adapters.store_backup import (
    copy_files,
    pg_dump_schema,
    pg_restore_schema,
    sqlite_backup,
    sqlite_restore,
)
from safeshare.services.audit import audit_service
from safeshare.services.custody import custody_log
from safeshare.services.school import Safeshare
from safeshare.services.witnessing import tombstones_from_witnesses
from safeshare.settings import Settings

MANIFEST = "manifest.json"
KEYSTORE_FILE = "keystore.sealed"
ATTACHMENTS = "attachments"
STORES = ("events", "projections", "keys", "attachments")
REAPPLIED_REASON = "reapplied-after-restore"
"""The reason recorded when a restore records again an erasure the restored store had lost."""


@dataclass(frozen=True)
class Manifest:
    backup_id: str
    school: str
    backend: str
    taken_at: str
    stores: list[str]
    position: int
    keys: int
    backup_key_fingerprint: str
    format: str = "safeshare-backup/1"


def _backend(settings: Settings) -> str:
    return "postgres" if settings.uses_postgres else "sqlite"


def _store_file(settings: Settings, store: str) -> str:
    ext = "dump" if settings.uses_postgres else "sqlite"
    return f"{store}.{ext}"


def _schema(settings: Settings, store: str) -> str:
    return settings.pg_schema + ("" if store == "events" else "_projections")


def _sqlite_path(settings: Settings, store: str) -> Path:
    return settings.events_db if store == "events" else settings.projections_db


def check_outside_data(settings: Settings, directory: Path) -> None:
    if directory.absolute().is_relative_to(settings.data.absolute()):
        raise InvalidValue(
            "directory", "a backup inside the data folder would be lost with it: choose another"
        )


def backup(s: Safeshare, directory: Path, by: str) -> dict[str, Any]:
    """Back up the school's stores into `directory` (new or empty); returns the manifest."""
    settings = s.settings
    check_outside_data(settings, directory)
    if (directory / MANIFEST).exists():
        raise InvalidValue("directory", f"{directory} already holds a backup")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = BackupKey.load_or_create(settings.backup_key_path)
    backup_id = uuid4().hex
    stores = ["events", "projections", "keys"]
    if settings.attachments_dir.exists():
        stores.append("attachments")
    # Projections first, then events, then keys: the integrity log never covers a record the
    # events backup lacks, and every child in the events backup has its key in the key backup.
    s.projection_db()  # the projections store exists before it is copied
    for store in ("projections", "events"):
        out = directory / _store_file(settings, store)
        if settings.uses_postgres:
            assert settings.database_url is not None
            pg_dump_schema(PgParams.from_url(settings.database_url), _schema(settings, store), out)
        else:
            sqlite_backup(_sqlite_path(settings, store), out)
    data_keys = s.ctx.sealer.data_keys()
    sealed = seal_keys(data_keys, key, settings.school)
    (directory / KEYSTORE_FILE).write_bytes(sealed)
    (directory / KEYSTORE_FILE).chmod(0o600)
    if "attachments" in stores:
        copy_files(settings.attachments_dir, directory / ATTACHMENTS)
    manifest = Manifest(
        backup_id=backup_id,
        school=settings.school,
        backend=_backend(settings),
        taken_at=s.ctx.clock().isoformat(),
        stores=stores,
        position=s.app.recorder.max_notification_id() or 0,
        keys=len(data_keys),
        backup_key_fingerprint=key.fingerprint,
    )
    (directory / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    log = custody_log(s.app)  # recorded once the backup is whole (not in the backup itself)
    log.record_backup(backup_id, stores, by)
    s.app.save(log)
    return asdict(manifest)


def read_manifest(settings: Settings, directory: Path) -> Manifest:
    try:
        data = json.loads((directory / MANIFEST).read_text())
        manifest = Manifest(**data)
    except (OSError, ValueError, TypeError):
        raise InvalidValue("directory", f"{directory} holds no readable backup") from None
    if manifest.school != settings.school:
        raise InvalidValue(
            "directory", f"the backup is of school {manifest.school!r}, not {settings.school!r}"
        )
    if manifest.backend != _backend(settings):
        raise InvalidValue(
            "directory", f"the backup was taken on {manifest.backend}, not {_backend(settings)}"
        )
    return manifest


def restore(
    settings: Settings,
    directory: Path,
    open_school: Callable[[], Safeshare],
    by: str,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Put the school's stores back from a backup, re-applying every erasure known now.

    Every process of the school must be stopped first (the web, the workers, the relay and the
    projection runners): they hold keys and aggregates in memory.
    """
    manifest = read_manifest(settings, directory)
    if only is not None and {"events", "projections"} & set(only):
        # The integrity log (in the projections) covers exactly the event store: one is never
        # put back without the other, or `audit verify` would rightly report the difference.
        only = [*only, "events", "projections"]
    wanted = [st for st in STORES if st in manifest.stores and (only is None or st in only)]
    if only is not None:
        unknown = sorted(set(only) - set(STORES))
        if unknown:
            raise InvalidValue("store", f"unknown store {unknown[0]!r}: one of {STORES}")
        missing = sorted(set(only) - set(manifest.stores))
        if missing:
            raise InvalidValue("store", f"the backup holds no {missing[0]} store")
    # Open the sealed keys before anything is touched: a wrong backup key changes nothing.
    key = BackupKey.load_or_create(settings.backup_key_path)
    backed_up_keys = (
        open_keys((directory / KEYSTORE_FILE).read_bytes(), key, settings.school)
        if "keys" in wanted
        else {}
    )
    erased = ErasureTombstones(settings.tombstones_path).ids()
    from_witnesses, unreached = tombstones_from_witnesses(settings)
    erased |= from_witnesses
    current = open_school()
    try:
        erased |= current.children.erased_ids()
    finally:
        current.close()

    for store in ("projections", "events"):
        if store not in wanted:
            continue
        copy = directory / _store_file(settings, store)
        if settings.uses_postgres:
            assert settings.database_url is not None
            p = PgParams.from_url(settings.database_url)
            pg_restore_schema(p, _schema(settings, store), copy)
        else:
            sqlite_restore(copy, _sqlite_path(settings, store))
    if "attachments" in wanted:
        copy_files(directory / ATTACHMENTS, settings.attachments_dir)

    s = open_school()
    try:
        erased |= s.children.erased_ids()
        withheld = 0
        if "keys" in wanted:
            kept = {c: k for c, k in backed_up_keys.items() if c not in erased}
            withheld = len(backed_up_keys) - len(kept)
            s.ctx.sealer.replace_data_keys(kept)
        tombstones = ErasureTombstones(settings.tombstones_path)
        for child_id in erased:
            s.ctx.sealer.destroy_child_key(child_id)
            tombstones.add(child_id)  # the list is made whole again, should it have lacked one
        recorded_again = _record_lost_erasures(s, erased, by)
        log = custody_log(s.app)
        log.record_restore(
            manifest.backup_id,
            manifest.taken_at,
            wanted,
            erasures_reapplied=len(recorded_again),
            keys_withheld=withheld,
            recorded_by=by,
        )
        s.app.save(log)
        checkpoint = audit_service(s).checkpoint()
        return {
            "backup_id": manifest.backup_id,
            "backup_taken_at": manifest.taken_at,
            "stores": wanted,
            "erasures_known": len(erased),
            "erasures_known_to_witnesses": len(from_witnesses),
            "witnesses_not_reached": unreached,
            "erasures_recorded_again": [str(c) for c in sorted(recorded_again)],
            "keys_withheld": withheld,
            "checkpoint_size": checkpoint.size,
        }
    finally:
        s.close()


def _record_lost_erasures(s: Safeshare, erased: set[UUID], by: str) -> list[UUID]:
    """Record again, on the child and each of the child's concerns, every erasure the restored
    event store does not hold (it was taken before the erasure)."""
    again: list[UUID] = []
    for child_id in sorted(erased):
        child = s.app.find(child_id, Child)
        if child is None or child.erased:
            continue
        s.children.erase_loaded(child, REAPPLIED_REASON, by)
        again.append(child_id)
    return again
