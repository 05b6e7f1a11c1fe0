"""Operating a deployment's schools through the registry: adding and suspending one, and each
school's backup, restore and key rotation (`safeshare school backup|restore|rotate-keys`).

Every operation is the lone school's own (`services.backups`, `services.key_rotation`), run on
the school's own settings (`school_settings`: its data folder, its database role, its keys), one
school at a time: nothing of one school is read or written while another's is handled.

A deployment's backup is a folder with one sub-folder per school (`<dir>/<id>/`, exactly what
`safeshare backup` writes for a lone school) and `schools.json`, written last, naming them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from safeshare.adapters import pg_roles
from safeshare.adapters.key_files import BackupKey
from safeshare.adapters.keystore_backup import open_keys
from safeshare.adapters.tenant_registry import (
    ACTIVE,
    SUSPENDED,
    SchoolRegistry,
    Tenant,
    check_host,
    check_sender,
)
from safeshare.bootstrap import build, utc_now
from safeshare.services import backups, key_rotation
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from safeshare.tenants import school_settings

Clock = Callable[[], datetime]
DEPLOYMENT_MANIFEST = "schools.json"
DEPLOYMENT_FORMAT = "safeshare-schools-backup/1"


def add_school(
    base: Settings,
    registry: SchoolRegistry,
    school: str,
    name: str,
    host: str,
    clock: Clock = utc_now,
    before_init: Callable[[Settings], None] | None = None,
    sender: str | None = None,
) -> Tenant:
    """Register a school: its role and schemas, then everything `safeshare init` makes (its
    signing certificate naming its sender address), then the registry row (last, so that no
    process serves a school half made). Re-running it for a school whose registration failed
    part-way completes it."""
    from safeshare.entrypoints.initialise import initialise

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", school):
        raise InvalidValue("school", "must be a lower-case slug of letters, digits, underscores")
    if not name.strip():
        raise InvalidValue("name", "must not be empty")
    own_sender = check_sender(sender) if sender is not None else None
    tenant = Tenant(school, name.strip(), check_host(host), ACTIVE, clock().isoformat(), own_sender)
    if registry.get(school) is not None:
        raise InvalidValue("school", f"{school} is already registered")
    serving = registry.by_host(tenant.host)
    if serving is not None:
        raise InvalidValue("host", f"{tenant.host} already serves school {serving.id}")
    settings = school_settings(base, tenant)
    if base.database_url:
        pg_roles.provision(base.database_url, school)
    if before_init is not None:
        before_init(settings)
    initialise(settings, clock)
    registry.add(tenant)
    return tenant


def suspend_school(registry: SchoolRegistry, school: str) -> Tenant:
    """A suspended school is served by nothing: its host name and its tasks find no school."""
    return registry.set_status(school, SUSPENDED)


def chosen_schools(registry: SchoolRegistry, school: str | None, every: bool) -> list[Tenant]:
    """`--school ID` or `--all` (every registered school, suspended ones too: their records
    stay, and so do their backups and keys)."""
    if (school is None) == (not every):
        raise InvalidValue("school", "name one school with --school ID, or every one with --all")
    if every:
        found = registry.all()
        if not found:
            raise InvalidValue("school", "no school is registered")
        return found
    assert school is not None
    tenant = registry.get(school)
    if tenant is None:
        raise InvalidValue("school", f"no school {school} is registered")
    return [tenant]


def _opener(settings: Settings, clock: Clock) -> Callable[[], Safeshare]:
    return lambda: build(settings, clock)


# -- backup ------------------------------------------------------------------------------------


def backup_schools(
    base: Settings, tenants: list[Tenant], directory: Path, by: str, clock: Clock = utc_now
) -> dict[str, Any]:
    """Back up each school into `<directory>/<id>/` (its event store, projections, key store
    sealed to its own backup key, attachments), then write the list of them."""
    if (directory / DEPLOYMENT_MANIFEST).exists():
        raise InvalidValue("directory", f"{directory} already holds a backup")
    backups.check_outside_data(base, directory)  # nor in the deployment's (it holds all)
    for tenant in tenants:  # refused before any school is backed up
        backups.check_outside_data(school_settings(base, tenant), directory)
    taken: dict[str, Any] = {}
    for tenant in tenants:
        s = build(school_settings(base, tenant), clock)
        try:
            taken[tenant.id] = backups.backup(s, directory / tenant.id, by)
        finally:
            s.close()
    manifest = {
        "format": DEPLOYMENT_FORMAT,
        "taken_at": clock().isoformat(),
        "schools": {school: m["backup_id"] for school, m in taken.items()},
    }
    (directory / DEPLOYMENT_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return {"directory": str(directory), "schools": taken}


# -- restore -----------------------------------------------------------------------------------


def schools_in_backup(directory: Path) -> list[str]:
    try:
        data = json.loads((directory / DEPLOYMENT_MANIFEST).read_text())
        schools = sorted(data["schools"])
    except (OSError, ValueError, TypeError, KeyError):
        raise InvalidValue("directory", f"{directory} holds no readable schools backup") from None
    return [str(s) for s in schools]


def restore_schools(
    base: Settings,
    registry: SchoolRegistry,
    directory: Path,
    school: str | None,
    every: bool,
    by: str,
    only: list[str] | None = None,
    clock: Clock = utc_now,
) -> dict[str, Any]:
    """Restore one school (`school`) or every school the backup holds (`every`), each exactly
    as a lone school's restore: erasures recorded since (in its event store, its tombstones and
    its witnesses') re-applied before anything can read, the restore recorded, its integrity
    log signed. Every school is checked first (registered, its backup readable and its key store
    opening with its own backup key): a backup that cannot be restored changes nothing."""
    held = schools_in_backup(directory)
    if every:
        wanted = held
    elif school is None:
        raise InvalidValue("school", "name one school with --school ID, or every one with --all")
    elif school not in held:
        raise InvalidValue("school", f"the backup holds no school {school}")
    else:
        wanted = [school]
    tenants: list[Tenant] = []
    for sid in wanted:
        tenant = registry.get(sid)
        if tenant is None:
            raise InvalidValue("school", f"the backup's school {sid} is not registered here")
        settings = school_settings(base, tenant)
        manifest = backups.read_manifest(settings, directory / sid)
        if "keys" in manifest.stores and (only is None or "keys" in only):
            key = BackupKey.load_or_create(settings.backup_key_path)
            sealed = (directory / sid / backups.KEYSTORE_FILE).read_bytes()
            open_keys(sealed, key, settings.school)
        tenants.append(tenant)
    done: dict[str, Any] = {}
    for tenant in tenants:
        settings = school_settings(base, tenant)
        done[tenant.id] = backups.restore(
            settings, directory / tenant.id, _opener(settings, clock), by, only=only
        )
    return {"directory": str(directory), "schools": done}


# -- key rotation ------------------------------------------------------------------------------


def rotate_school_keys(
    base: Settings, tenants: list[Tenant], kind: str, by: str, clock: Clock = utc_now
) -> dict[str, Any]:
    """Rotate one kind of key ("kek", "cipher", "signing", "audit") of each named school, on
    its own settings only: no other school's key file is opened."""
    if kind not in key_rotation.KINDS:
        raise InvalidValue("key", f"must be one of {', '.join(key_rotation.KINDS)}")
    done: dict[str, Any] = {}
    for tenant in tenants:
        settings = school_settings(base, tenant)
        done[tenant.id] = key_rotation.rotate(kind, settings, _opener(settings, clock), by)
    return {"key": kind, "schools": done}
