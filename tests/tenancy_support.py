"""A deployment serving several schools, on its own PostgreSQL database (so that the tests
count only its connections), with school ids unique to the run (database roles are shared by
the whole cluster)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.adapters import pg_roles
from safeshare.adapters.tenant_registry import REGISTRY_SCHEMA, SchoolRegistry, Tenant
from safeshare.demo.directory import install_demo_agencies
from safeshare.settings import Settings
from safeshare.tenant_ops import add_school
from safeshare.tenants import registry_for, school_settings
from tests.support import PG_ADMIN, FakeClock

TENANCY_DB = "safeshare_tenancy_test"
TENANCY_URL = f"postgresql://postgres@127.0.0.1:5432/{TENANCY_DB}"
DB_ADMIN = PG_ADMIN.replace("dbname=postgres", f"dbname={TENANCY_DB}")


def database_url(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


def database_admin(database: str) -> str:
    return PG_ADMIN.replace("dbname=postgres", f"dbname={database}")


def ensure_database(database: str = TENANCY_DB) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def school_id(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:8]}"


@contextmanager
def deployment(
    data: Path, clock: FakeClock, database: str = TENANCY_DB, **settings: object
) -> Iterator[Settings]:
    """The deployment's settings; every school added under it is removed afterwards. A test
    that counts connections names a `database` of its own (the other tenancy tests may run at
    the same time on another core)."""
    ensure_database(database)
    url = database_url(database)
    base = Settings(
        data=data,
        database_url=url,
        cookie_secure=False,
        web_base_url="http://localhost:8000",
        **settings,  # type: ignore[arg-type]
    )
    registry = registry_for(base)
    before = {t.id for t in registry.all()}
    registry.close()  # (holds no connection while the test counts them)
    try:
        yield base
    finally:
        made = [t.id for t in registry.all() if t.id not in before]
        registry.close()
        with psycopg.connect(database_admin(database), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DELETE FROM {}.schools WHERE id = ANY(%s)").format(
                    sql.Identifier(REGISTRY_SCHEMA)
                ),
                (made,),
            )
        for school in made:
            pg_roles.drop(url, school)


def add(
    base: Settings,
    registry: SchoolRegistry,
    name: str,
    clock: FakeClock,
    identity: Path | None = None,
) -> Tenant:
    """A school with its own keys, audit key and stores; its signing identity is generated
    unless a ready one is given (RSA keys are slow to make; 50 schools reuse one)."""
    school = school_id(name)

    def copy_identity(settings: Settings) -> None:
        if identity is not None:
            shutil.copytree(identity / "school", settings.data / "school", dirs_exist_ok=True)

    return add_school(
        base,
        registry,
        school,
        name.capitalize() + " School",
        f"{school.replace('_', '-')}.schools.test",
        clock,
        before_init=copy_identity,
    )


def with_demo_agencies(base: Settings, tenant: Tenant, template: Path) -> None:
    """The demo agencies in the school's own directory (their key pairs from the template)."""
    from safeshare.bootstrap import build

    settings = school_settings(base, tenant)
    shutil.copytree(template / "agencies", settings.data / "agencies", dirs_exist_ok=True)
    s = build(settings)
    try:
        install_demo_agencies(s)
    finally:
        s.close()
