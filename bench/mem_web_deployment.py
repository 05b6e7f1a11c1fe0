"""The deployment `bench_mem_web` serves: 20 schools on one PostgreSQL database, each with a
roll of 1,500 pupils and a member of staff who can sign in. Generated once and cached.

Everything lives in `var/bench-mem-web/` (ignored by git: the deployment's data folder with
each school's keys, its audit keys, and `generated.json` saying what was generated, written
last) and in the PostgreSQL database `safeshare_bench_memweb` (the registry and each school's
role and schemas, `school_memweb_NN*`). A deployment whose note is missing or says something
else is removed and generated again; delete the folder to force it.

Each school is added as `safeshare school add` adds one (`tenant_ops.add_school`: its role and
schemas, its own keys and signing identity, then its registry row) and its roll imported as
`safeshare roll import` does (`RollImport.import_csv` over the MIS export's CSV: each pupil
registered as a child, every identifying field sealed with that child's own key).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from bench.mem_web_roll import pupils, roll_csv
from harness.schools import PG_ADMIN
from safeshare.adapters import pg_roles
from safeshare.adapters.tenant_registry import SchoolRegistry
from safeshare.bootstrap import build
from safeshare.services.child_search import ChildSearch
from safeshare.services.roll import RollImport
from safeshare.settings import Settings
from safeshare.tenant_ops import add_school
from safeshare.tenants import registry_for, school_settings

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench-mem-web"
NOTE = CACHE / "generated.json"
DATABASE = "safeshare_bench_memweb"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
GENERATOR_VERSION = 1
SEED = 16
STAFF_PASSWORD = "bench memory staple horse"
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
    return [School(n, f"memweb_{n:02d}", f"memweb-{n:02d}.bench.test") for n in range(1, count + 1)]


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


def deployment(school_count: int, pupils_each: int) -> Deployment:
    """The cached deployment, or a new one generated now (printing how long it took)."""
    wanted = {"schools": school_count, "pupils": pupils_each, "seed": SEED, "v": GENERATOR_VERSION}
    base = base_settings()
    chosen = schools(school_count)
    if NOTE.exists():
        note = json.loads(NOTE.read_text())
        if {k: note.get(k) for k in wanted} == wanted and _registered(chosen):
            print(f"deployment from the cache {CACHE} (generated {note['generated_on']})")
            return Deployment(
                base, chosen, pupils_each, date.fromisoformat(note["generated_on"]), None
            )
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
        result = RollImport(s.children, ChildSearch(s.ctx)).import_csv(text, "bench roll import")
    finally:
        s.close()
    if result.added != count or result.problems:
        raise RuntimeError(f"{school.id}: roll import added {result.added}: {result.problems}")
    print(f"  {school.id}: {count:,} pupils in {time.perf_counter() - started:.0f} s", flush=True)


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
