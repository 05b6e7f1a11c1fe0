"""The tenant registry: which schools this deployment serves, by which host name, and whether
each is active or suspended. In PostgreSQL it is a table in its own `safeshare_registry` schema
(read by the deployment's login role only, never by a school's role); on the embedded default it
is a JSON file in the data folder. It holds no personal data: ids, school names, host names."""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg.rows import dict_row

from domain.errors import InvalidValue

ACTIVE = "active"
SUSPENDED = "suspended"
REGISTRY_SCHEMA = "safeshare_registry"
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    host: str
    status: str
    added_at: str
    sender: str | None = None
    """The school's own From: address, if it has one (else the deployment's SMTP sender)."""

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def normal_host(host: str) -> str:
    """A Host header or a configured host name, lower-case, without a port or a final dot."""
    name = host.strip().lower()
    if name.startswith("["):
        return name  # an IPv6 literal is never a school's host name
    return name.rsplit(":", 1)[0].rstrip(".") if ":" in name else name.rstrip(".")


def check_sender(sender: str) -> str:
    """A From: address such as safeguarding@alpha.schools.example (no display name)."""
    address = sender.strip()
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or not _HOST.fullmatch(domain.lower()):
        raise InvalidValue("sender", "must be an email address such as dsl@alpha.schools.example")
    return address


def check_host(host: str) -> str:
    name = normal_host(host)
    if not _HOST.fullmatch(name) or len(name) > 253:
        raise InvalidValue("host", "must be a DNS host name such as alpha.schools.example")
    return name


class SchoolRegistry(Protocol):
    def add(self, tenant: Tenant) -> None: ...

    def all(self) -> list[Tenant]: ...

    def get(self, school: str) -> Tenant | None: ...

    def by_host(self, host: str) -> Tenant | None: ...

    def set_status(self, school: str, status: str) -> Tenant: ...

    def close(self) -> None: ...


def _refuse_duplicate(existing: list[Tenant], tenant: Tenant) -> None:
    for t in existing:
        if t.id == tenant.id:
            raise InvalidValue("school", f"{tenant.id} is already registered")
        if t.host == tenant.host:
            raise InvalidValue("host", f"{tenant.host} already serves school {t.id}")


class FileSchoolRegistry:
    """The embedded default's registry: `schools.json`, rewritten whole under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[list[Tenant]]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            tenants = self._read()
            before = list(tenants)
            yield tenants
            if tenants != before:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps([asdict(t) for t in tenants], indent=1) + "\n")
                os.replace(tmp, self.path)

    def close(self) -> None:
        """Nothing held open."""

    def _read(self) -> list[Tenant]:
        if not self.path.exists():
            return []
        return [Tenant(**row) for row in json.loads(self.path.read_text())]

    def add(self, tenant: Tenant) -> None:
        with self._locked() as tenants:
            _refuse_duplicate(tenants, tenant)
            tenants.append(tenant)

    def all(self) -> list[Tenant]:
        return sorted(self._read(), key=lambda t: t.id)

    def get(self, school: str) -> Tenant | None:
        return next((t for t in self._read() if t.id == school), None)

    def by_host(self, host: str) -> Tenant | None:
        name = normal_host(host)
        return next((t for t in self._read() if t.host == name), None)

    def set_status(self, school: str, status: str) -> Tenant:
        with self._locked() as tenants:
            for i, t in enumerate(tenants):
                if t.id == school:
                    tenants[i] = replace(t, status=status)
                    return tenants[i]
        raise InvalidValue("school", f"no school {school} is registered")


class PostgresSchoolRegistry:
    """The registry table, reached as the deployment's login role."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._lock = threading.Lock()
        self._reader: psycopg.Connection[dict[str, object]] | None = None
        # Every process of the deployment runs this set-up when it opens the registry, and
        # several start at once: one set-up at a time (PostgreSQL otherwise answers "tuple
        # concurrently updated" to two grants on the same schema).
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (REGISTRY_SCHEMA,))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {REGISTRY_SCHEMA}")
            conn.execute(f"REVOKE ALL ON SCHEMA {REGISTRY_SCHEMA} FROM PUBLIC")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {REGISTRY_SCHEMA}.schools ("
                "id text PRIMARY KEY, name text NOT NULL, host text NOT NULL UNIQUE, "
                "status text NOT NULL, added_at timestamptz NOT NULL)"
            )
            has_sender = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = 'schools' AND column_name = 'sender'",
                (REGISTRY_SCHEMA,),
            ).fetchone()
            if not has_sender:  # a registry made before schools had their own sender
                conn.execute(
                    f"ALTER TABLE {REGISTRY_SCHEMA}.schools ADD COLUMN IF NOT EXISTS sender text"
                )

    def _conn(self) -> psycopg.Connection[dict[str, object]]:
        return psycopg.connect(self.conninfo, autocommit=True, row_factory=dict_row)

    def _select(self, where: str = "", *params: str) -> list[Tenant]:
        """Reads share one connection (every request asks which school its host is)."""
        query = (
            f"SELECT id, name, host, status, added_at, sender FROM {REGISTRY_SCHEMA}.schools "
            f"{where} ORDER BY id"
        )
        with self._lock:
            if self._reader is None or self._reader.closed:
                self._reader = self._conn()
            try:
                rows = self._reader.execute(query, params).fetchall()
            except psycopg.OperationalError:
                self._reader.close()  # a restarted server: the next read reconnects
                self._reader = None
                raise
        return [
            Tenant(
                id=str(r["id"]),
                name=str(r["name"]),
                host=str(r["host"]),
                status=str(r["status"]),
                added_at=_iso(r["added_at"]),
                sender=None if r["sender"] is None else str(r["sender"]),
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def add(self, tenant: Tenant) -> None:
        with self._conn() as conn, conn.transaction():
            conn.execute(f"LOCK TABLE {REGISTRY_SCHEMA}.schools IN EXCLUSIVE MODE")
            _refuse_duplicate(
                self._select("WHERE id = %s OR host = %s", tenant.id, tenant.host), tenant
            )
            conn.execute(
                f"INSERT INTO {REGISTRY_SCHEMA}.schools (id, name, host, status, added_at, sender) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    tenant.id,
                    tenant.name,
                    tenant.host,
                    tenant.status,
                    tenant.added_at,
                    tenant.sender,
                ),
            )

    def all(self) -> list[Tenant]:
        return self._select()

    def get(self, school: str) -> Tenant | None:
        found = self._select("WHERE id = %s", school)
        return found[0] if found else None

    def by_host(self, host: str) -> Tenant | None:
        found = self._select("WHERE host = %s", normal_host(host))
        return found[0] if found else None

    def set_status(self, school: str, status: str) -> Tenant:
        with self._conn() as conn:
            done = conn.execute(
                f"UPDATE {REGISTRY_SCHEMA}.schools SET status = %s WHERE id = %s", (status, school)
            ).rowcount
        if not done:
            raise InvalidValue("school", f"no school {school} is registered")
        tenant = self.get(school)
        assert tenant is not None
        return tenant


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
