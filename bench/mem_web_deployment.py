"""The deployment `bench_mem_web` serves: 20 schools on one PostgreSQL database, each with a
roll of 1,500 pupils and a member of staff who can sign in. Generated once and cached.

Everything lives in `var/bench-mem-web/` (ignored by git: the deployment's data folder with
each school's keys, its audit keys, and `generated.json` saying what was generated, written
last) and in the PostgreSQL database `safeshare_bench_memweb` (the registry and each school's
role and schemas, `school_memweb_NN*`). A deployment whose note is missing or says something
else is removed and generated again; delete the folder to force it.

Each school is added as `safeshare school add` adds one (`tenant_ops.add_school`: its role and
schemas, its own keys and signing identity, then its registry row) and its roll imported by
`RollImport.import_csv` over the MIS export's CSV, as `safeshare roll import` does (each pupil
registered as a child, every identifying field sealed with that child's own key), except that
the children are saved `BATCH` to a transaction instead of one at a time (the same events).

`SAFESHARE_BENCH_PG_TAG=<tag>` keeps a deployment apart from another checkout's on the same
PostgreSQL: the database `safeshare_bench_memweb_<tag>` and the schools `memweb_<tag>_NN`
(their roles are the cluster's).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql

from bench.mem_web_roll import pupils, roll_csv
from domain.child import Child
from harness.schools import PG_ADMIN
from safeshare.adapters import pg_roles
from safeshare.adapters.tenant_registry import SchoolRegistry
from safeshare.bootstrap import build
from safeshare.services.child_search import ChildSearch
from safeshare.services.children import ChildService
from safeshare.services.context import Context
from safeshare.services.roll import RollImport
from safeshare.settings import Settings
from safeshare.tenant_ops import add_school
from safeshare.tenants import registry_for, school_settings

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench-mem-web"
NOTE = CACHE / "generated.json"
TAG = os.environ.get("SAFESHARE_BENCH_PG_TAG", "")
DATABASE = f"safeshare_bench_memweb_{TAG}" if TAG else "safeshare_bench_memweb"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
GENERATOR_VERSION = 1
SEED = 16
STAFF_PASSWORD = "bench memory staple horse"
BATCH = 500
POOL_SIZE, MAX_OVERFLOW = 2, 3
"""Each school's event-store pool (the default is 5 + 10): 20 schools open at once keep
20 x (2 + 2) connections, on a PostgreSQL shared with other runs (max_connections 300)."""


@dataclass(frozen=True)
class School:
    number: int
    id: str
    host: str

    @property
    def staff_email(self) -> str:
        return f"staff@{self.host}"


@dataclass(frozen=True)
class Deployment:
    base: Settings
    schools: list[School]
    pupils_each: int
    generated_on: date
    generated_seconds: float | None
    """How long the generation took, when it ran now (None: from the cache)."""


def schools(count: int) -> list[School]:
    prefix = f"memweb_{TAG}" if TAG else "memweb"
    return [
        School(n, f"{prefix}_{n:02d}", f"memweb-{n:02d}.bench.test") for n in range(1, count + 1)
    ]


def base_settings() -> Settings:
    """The deployment's settings: its data folder, database, audit keys outside the data."""
    return Settings(
        data=CACHE / "data",
        database_url=DATABASE_URL,
        audit_key_file=CACHE / "audit-keys" / "audit-ed25519.pem",
        cookie_secure=False,
        pg_pool_size=POOL_SIZE,
        pg_max_overflow=MAX_OVERFLOW,
    )


def server_env(base: Settings) -> dict[str, str]:
    """The environment `safeshare school serve` reads the same deployment from."""
    return {
        "SAFESHARE_DATA": str(base.data),
        "SAFESHARE_DATABASE_URL": DATABASE_URL,
        "SAFESHARE_AUDIT_KEY_FILE": str(base.audit_key_file),
        "SAFESHARE_COOKIE_SECURE": "false",
        "SAFESHARE_PG_POOL_SIZE": str(POOL_SIZE),
        "SAFESHARE_PG_MAX_OVERFLOW": str(MAX_OVERFLOW),
    }


def _wanted(school_count: int, pupils_each: int) -> dict[str, int]:
    return {"schools": school_count, "pupils": pupils_each, "seed": SEED, "v": GENERATOR_VERSION}


def cached(school_count: int, pupils_each: int) -> bool:
    if not NOTE.exists():
        return False
    note = json.loads(NOTE.read_text())
    wanted = _wanted(school_count, pupils_each)
    return {k: note.get(k) for k in wanted} == wanted and _registered(schools(school_count))


def deployment(school_count: int, pupils_each: int) -> Deployment:
    """The cached deployment, or a new one generated now (printing how long it took)."""
    wanted = _wanted(school_count, pupils_each)
    base = base_settings()
    chosen = schools(school_count)
    if cached(school_count, pupils_each):
        note = json.loads(NOTE.read_text())
        print(f"deployment from the cache {CACHE} (generated {note['generated_on']})")
        return Deployment(base, chosen, pupils_each, date.fromisoformat(note["generated_on"]), None)
    remove(chosen)
    started = time.perf_counter()
    today = date.today()
    _ensure_database()
    registry = registry_for(base)
    try:
        for school in chosen:
            _generate(base, registry, school, pupils_each, today)
    finally:
        registry.close()
    took = time.perf_counter() - started
    NOTE.write_text(json.dumps({**wanted, "generated_on": today.isoformat(), "seconds": took}))
    print(
        f"generated {school_count} schools x {pupils_each:,} pupils in {took:.0f} s, "
        f"cached in {CACHE} and the database {DATABASE}"
    )
    return Deployment(base, chosen, pupils_each, today, took)


def _generate(
    base: Settings, registry: SchoolRegistry, school: School, count: int, today: date
) -> None:
    started = time.perf_counter()
    tenant = add_school(
        base,
        registry,
        school.id,
        f"Memweb Academy {school.number:02d}",
        school.host,
    )
    s = build(school_settings(base, tenant))
    try:
        s.accounts.add("Bench Staff", school.staff_email, "staff", STAFF_PASSWORD, "bench set-up")
        text = roll_csv(pupils(school.number, count, today, SEED))
        batched = BatchedChildren(s.ctx)
        search = BatchedSearch(s.ctx, batched)
        result = RollImport(batched, search).import_csv(text, "bench roll import")
        batched.flush()
    finally:
        s.close()
    if result.added != count or result.problems:
        raise RuntimeError(f"{school.id}: roll import added {result.added}: {result.problems}")
    print(f"  {school.id}: {count:,} pupils in {time.perf_counter() - started:.0f} s", flush=True)


class BatchedChildren(ChildService):
    """The service's registration (validated, a key each, sealed), the saves `BATCH` at once."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.pending: list[Child] = []

    def register(
        self,
        name: str,
        date_of_birth: str,
        by: str,
        upn: str | None = None,
        nhs_number: str | None = None,
        address: str | None = None,
    ) -> UUID:
        child = self.new_child(name, date_of_birth, by, upn, nhs_number, address)
        self.pending.append(child)
        if len(self.pending) >= BATCH:
            self.flush()
        return child.id

    def flush(self) -> None:
        if self.pending:
            self.ctx.app.save(*self.pending)
            self.pending = []

    def return_to_roll(self, child_id: UUID, by: str) -> bool:
        self.flush()
        return super().return_to_roll(child_id, by)


class BatchedSearch(ChildSearch):
    """The roll as the import compares it: every registered child saved first."""

    def __init__(self, ctx: Context, children: BatchedChildren) -> None:
        super().__init__(ctx)
        self.children = children

    def catch_up(self) -> None:
        self.children.flush()
        super().catch_up()


def _registered(chosen: list[School]) -> bool:
    """The note is not enough: the database may have been dropped since."""
    try:
        registry = registry_for(base_settings())
        try:
            found = {t.id for t in registry.all() if t.active}
        finally:
            registry.close()
    except psycopg.Error:
        return False
    return {s.id for s in chosen} <= found


def _ensure_database() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def remove(chosen: list[School]) -> None:
    """Everything a previous generation left: its folder, the schools' schemas and roles
    (roles are the cluster's), the database."""
    shutil.rmtree(CACHE, ignore_errors=True)
    CACHE.mkdir(parents=True)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if exists:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (DATABASE,),
            )
    if exists:
        for school in chosen:
            with contextlib.suppress(psycopg.Error):
                pg_roles.drop(DATABASE_URL, school.id)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
        for school in chosen:  # a role left by a generation whose database was dropped
            role = pg_roles.role_name(school.id)
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


if __name__ == "__main__":  # `python -m bench.mem_web_deployment SCHOOLS PUPILS`: generate it
    deployment(int(sys.argv[1]), int(sys.argv[2]))
