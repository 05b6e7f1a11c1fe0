"""Two schools on one deployment, on the embedded default or on the real PostgreSQL (a database
of the tests' own, named uniquely and dropped afterwards), for the operations run per school
through the registry (`safeshare school backup|restore|rotate-keys`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from typer.testing import CliRunner

from safeshare.adapters.tenant_registry import Tenant
from safeshare.bootstrap import build
from safeshare.entrypoints.cli.main import app as cli
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from safeshare.tenants import registry_for, school_settings
from tests.support import PG_ADMIN, FakeClock
from tests.tenancy_support import add, database_url, deployment

QUICK_ARGON2: dict[str, Any] = {"argon2_time_cost": 1, "argon2_memory_kib": 64}


@dataclass
class TwoSchools:
    base: Settings
    alpha: Tenant
    beta: Tenant
    clock: FakeClock

    def open(self, tenant: Tenant) -> Safeshare:
        return build(school_settings(self.base, tenant), self.clock)

    def env(self) -> dict[str, str]:
        env = {"SAFESHARE_DATA": str(self.base.data)}
        if self.base.database_url:
            env["SAFESHARE_DATABASE_URL"] = self.base.database_url
        return env

    def cli(self, *args: str) -> tuple[int, Any]:
        """`safeshare ARGS --json` as an operator runs it, with the deployment's settings."""
        done = CliRunner().invoke(cli, [*args, "--json"], env=self.env())
        out = done.stdout.strip()
        return done.exit_code, json.loads(out) if out.startswith(("{", "[")) else out


def drop_database(database: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


@contextmanager
def two_schools(backend: str, data: Path, identity: Path) -> Iterator[TwoSchools]:
    """Alpha and beta, each with its own keys, stores and (on PostgreSQL) role and schemas."""
    clock = FakeClock()
    if backend == "sqlite":
        base = Settings(data=data, **QUICK_ARGON2)
        registry = registry_for(base)
        alpha = add(base, registry, "alpha", clock, identity)
        beta = add(base, registry, "beta", clock, identity)
        yield TwoSchools(base, alpha, beta, clock)
        return
    database = f"safeshare_tenant_ops_{uuid.uuid4().hex[:8]}"
    try:
        with deployment(data, clock, database=database, **QUICK_ARGON2) as base:
            registry = registry_for(base)
            try:
                alpha = add(base, registry, "alpha", clock, identity)
                beta = add(base, registry, "beta", clock, identity)
            finally:
                registry.close()
            assert base.database_url == database_url(database)
            yield TwoSchools(base, alpha, beta, clock)
    finally:
        drop_database(database)
