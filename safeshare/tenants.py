"""Many schools on one set of processes: the composition root for a deployment.

A school is registered once (`safeshare school add`): its database role and schemas are made,
then it is initialised exactly as a lone school is (`initialise`: its own key-encryption key,
event-store cipher key, backup key, signing identity, audit key, stores), under its own data
folder `<data>/schools/<id>`. From then on `SchoolApps` builds a school's application on first
use, from that school's own settings (`bootstrap.build`), keeps the most recently used ones
(a bound, so that the connections stay within PostgreSQL's `max_connections` however many
schools there are) and closes the others. Nothing built for one school is ever handed to
another: every caller names the school (from the request's host name, a token, a task message).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from celery import Celery

from domain.errors import InvalidValue
from safeshare.adapters import pg_roles
from safeshare.adapters.pg import PgParams
from safeshare.adapters.tenant_registry import (
    FileSchoolRegistry,
    PostgresSchoolRegistry,
    SchoolRegistry,
    Tenant,
)
from safeshare.bootstrap import build, dispatch_config, utc_now
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from workers.celery_app import enqueue
from workers.config import Wiring
from workers.ports import DispatchStore, Job
from workers.schools import NoSuchSchool, SchoolsRelay, SchoolStores


class UnknownSchool(LookupError):
    """No active school by that id or host name: answered as "not found", never "forbidden"."""


def registry_for(base: Settings) -> SchoolRegistry:
    if base.database_url:
        return PostgresSchoolRegistry(PgParams.from_url(base.database_url).conninfo())
    return FileSchoolRegistry(base.data / "schools.json")


def school_settings(base: Settings, tenant: Tenant) -> Settings:
    """The school's own settings: the deployment's, with the school's id, name, data folder,
    database role, web address and sender address (its own, else the deployment's). Key files
    named in the deployment's settings become one per school beside them (a file shared by two
    schools would be one key for both)."""
    data = base.data / "schools" / tenant.id
    update: dict[str, object] = {
        "school": tenant.id,
        "school_name": tenant.name,
        "data": data,
        "kek_file": None,
        "cipher_key_file": None,
        "backup_key_file": None,
        "tombstones_file": None,
        "audit_log_origin": None,
        "web_base_url": _web_address(base.web_base_url, tenant.host),
        "smtp_sender": tenant.sender or base.smtp_sender,
    }
    for name in ("kek_file", "cipher_key_file", "backup_key_file", "tombstones_file"):
        path = getattr(base, name)
        if path is not None:
            update[name] = path.parent / tenant.id / path.name
    # The audit key never sits in the school's own data folder (PostgreSQL refuses that).
    audit_key = base.audit_key_file or base.data / "audit-keys" / "audit-ed25519.pem"
    update["audit_key_file"] = audit_key.parent / tenant.id / audit_key.name
    if base.database_url:
        update["database_url"] = pg_roles.role_url(base.database_url, pg_roles.role_name(tenant.id))
    return base.model_copy(update=update)


def _web_address(base_url: str, host: str) -> str:
    parts = urlsplit(base_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme or 'https'}://{host}{port}"


@dataclass
class _Entry:
    school: Safeshare
    leases: int = 0
    evicted: bool = False


class SchoolApps:
    """The applications of the schools in use, at most `capacity` open at once (least recently
    used closed first, once no caller holds it)."""

    def __init__(
        self,
        base: Settings,
        registry: SchoolRegistry,
        clock: Callable[[], datetime] = utc_now,
        capacity: int = 8,
    ) -> None:
        if capacity < 1:
            raise InvalidValue("capacity", "must be at least 1")
        self.base = base
        self.registry = registry
        self.clock = clock
        self.capacity = capacity
        self._open: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.RLock()
        self._building: dict[str, threading.Lock] = {}

    def tenant(self, school: str) -> Tenant:
        found = self.registry.get(school)
        if found is None or not found.active:
            raise UnknownSchool(school)
        return found

    def tenant_for_host(self, host: str) -> Tenant:
        found = self.registry.by_host(host)
        if found is None or not found.active:
            raise UnknownSchool(host)
        return found

    @contextmanager
    def lease(self, school: str) -> Iterator[Safeshare]:
        """The school's application for the length of a request or a task."""
        entry = self._acquire(self.tenant(school))
        try:
            yield entry.school
        finally:
            self._release(entry)

    def open_schools(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def _lease_if_open(self, school: str) -> _Entry | None:
        """The school's open application, leased and marked most recently used (the caller
        holds the lock)."""
        entry = self._open.get(school)
        if entry is not None:
            self._open.move_to_end(school)
            entry.leases += 1
        return entry

    def _acquire(self, tenant: Tenant) -> _Entry:
        with self._lock:
            entry = self._lease_if_open(tenant.id)
            if entry is not None:
                return entry
            building = self._building.setdefault(tenant.id, threading.Lock())
        with building:  # one build per school at a time; other schools are not held up
            with self._lock:
                entry = self._lease_if_open(tenant.id)
                if entry is not None:
                    return entry
                closing = self._evict(room_for=1)  # before the build: never one over
            for old in closing:
                old.school.close()
            made = _Entry(build(school_settings(self.base, tenant), self.clock), leases=1)
            with self._lock:
                self._open[tenant.id] = made
                closing = self._evict()
        for old in closing:
            old.school.close()
        return made

    def _evict(self, room_for: int = 0) -> list[_Entry]:
        """Drop the least recently used beyond the bound (leaving room for `room_for` more);
        those no one holds are closed now, the others when their last lease ends."""
        closing: list[_Entry] = []
        while self._open and len(self._open) + room_for > self.capacity:
            _, old = self._open.popitem(last=False)
            old.evicted = True
            if old.leases == 0:
                closing.append(old)
        return closing

    def _release(self, entry: _Entry) -> None:
        with self._lock:
            entry.leases -= 1
            close = entry.evicted and entry.leases == 0
        if close:
            entry.school.close()

    def close(self) -> None:
        with self._lock:
            entries = list(self._open.values())
            self._open.clear()
        for entry in entries:
            entry.school.close()
        self.registry.close()


# -- dispatch: one relay and one set of workers for every school ----------------------------


def schools_wiring_for(base: Settings) -> Wiring:
    """The workers' wiring for a deployment of many schools: each task names its school, and a
    worker opens that school's store (only an active registered school's)."""
    registry = registry_for(base)

    def open_school_store(school: str) -> DispatchStore:
        found = registry.get(school)
        if found is None or not found.active:
            raise NoSuchSchool(school)
        return SafeshareDispatchStore(build(school_settings(base, found)), own=True)

    def no_school() -> DispatchStore:
        raise NoSuchSchool("a task that names no school")

    def active_schools() -> list[str]:
        return [t.id for t in registry.all() if t.active]

    return Wiring(
        config=dispatch_config(base),
        open_store=no_school,
        open_school_store=open_school_store,
        active_schools=active_schools,
    )


def schools_wiring() -> Wiring:
    """`SAFESHARE_DISPATCH_WIRING=safeshare.tenants:schools_wiring`: the deployment the
    environment names."""
    return schools_wiring_for(Settings())


def schools_relay(base: Settings, celery: Celery, wiring: Wiring) -> SchoolsRelay:
    """The relay over every active school, publishing each school's tasks with its id."""
    registry = registry_for(base)
    config = wiring.config

    def publish(school: str, job: Job) -> None:
        enqueue(celery, config, job.referral_id, job.urgent, school)

    return SchoolsRelay(
        lambda: [t.id for t in registry.all() if t.active],
        SchoolStores(wiring.open_school_store),
        publish,
    )


# -- projections: one runner process for every school ---------------------------------------


def catch_up_schools(apps: SchoolApps) -> dict[str, int]:
    """One batch round: each active school's projections and integrity log brought up to its
    own log's head, through that school's own application (leased: the open ones stay within
    the bound). What each school's runners applied, by school id."""
    from safeshare.services import projections as ps
    from safeshare.services.audit import audit_service

    applied: dict[str, int] = {}
    for tenant in apps.registry.all():
        if not tenant.active:
            continue
        with apps.lease(tenant.id) as s:
            applied[tenant.id] = ps.catch_up(s) + audit_service(s).runner.catch_up()
    return applied
