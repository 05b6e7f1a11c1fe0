"""Shared test support: a school on SQLite or on the real PostgreSQL, and a controllable clock."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.bootstrap import Safeshare, build
from safeshare.settings import Settings
from safeshare.setup import initialise

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "safeshare_test"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
CANARY_NAME = "Zebedee Quixote-Canary"
CANARY_FACT = "canary-fact: Zebedee said the quixotic canary sings at night"


@dataclass
class FakeClock:
    """Time that moves only when a test says so."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def ensure_pg_database() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))


def drop_pg_schemas(school: str) -> None:
    with psycopg.connect(
        PG_ADMIN.replace("dbname=postgres", f"dbname={PG_DB}"), autocommit=True
    ) as c:
        for suffix in ("", "_keys", "_projections", "_integrity"):
            name = f"school_{school}{suffix}"
            c.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def school_settings(data: Path, backend: str) -> Settings:
    """A fresh school (its own tenant) on SQLite files or in its own PostgreSQL schemas."""
    if backend == "postgres":
        ensure_pg_database()
        slug = "t" + uuid.uuid4().hex[:12]
        # production keeps the audit key outside the data folder
        audit_key = data.parent / "audit-key" / "audit-ed25519.pem"
        return Settings(data=data, database_url=PG_URL, school=slug, audit_key_file=audit_key)
    return Settings(data=data)


def copy_identity(template: Path, data: Path) -> None:
    """Reuse keys made once per session (RSA key generation is slow), never the stores."""
    for part in ("keys", "school", "agencies"):
        src = template / part
        if src.exists():
            shutil.copytree(src, data / part, dirs_exist_ok=True)


@contextmanager
def open_school(
    template: Path, data: Path, backend: str, clock: FakeClock | None = None
) -> Iterator[Safeshare]:
    settings = school_settings(data, backend)
    copy_identity(template, data)
    initialise(settings)
    s = build(settings, clock=clock) if clock is not None else build(settings)
    try:
        yield s
    finally:
        s.close()
        if backend == "postgres":
            drop_pg_schemas(settings.school)
