"""A school on SQLite or on the real PostgreSQL, and a clock that moves only when told."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "safeshare_test"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
CANARY_NAME = "Zebedee Quixote-Canary"
CANARY_FACT = "canary-fact: Zebedee said the quixotic canary sings at night"


SESSION_START = datetime.now(UTC).replace(microsecond=0)
"""The real time when the test session started: every test clock starts here, so the suite
runs on whatever day it is run (and under libfaketime, on whatever day it is told)."""


@dataclass
class FakeClock:
    """Time that moves only when a test says so; it starts at the session's real start."""

    now: datetime = field(default_factory=lambda: SESSION_START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def ensure_pg_database(database: str = PG_DB) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def drop_pg_schemas(school: str, database: str = PG_DB) -> None:
    with psycopg.connect(
        PG_ADMIN.replace("dbname=postgres", f"dbname={database}"), autocommit=True
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
    clock = clock or FakeClock()
    copy_identity(template, data)
    initialise(settings, clock)
    s = build(settings, clock=clock)
    install_demo_agencies(s)
    try:
        yield s
    finally:
        s.close()
        if backend == "postgres":
            drop_pg_schemas(settings.school)


def ago(clock: Callable[[], datetime], **delta: float) -> str:
    """An ISO moment `delta` before the clock's now (`ago(clock, hours=2)`)."""
    return (clock() - timedelta(**delta)).isoformat()


def born(clock: Callable[[], datetime], years: int, days: int = 0) -> str:
    """A date of birth `years` (and `days`) before the clock's today, as YYYY-MM-DD."""
    today = clock().date()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year without one
        birthday = today.replace(year=today.year - years, day=28)
    return (birthday - timedelta(days=days)).isoformat()


@contextmanager
def school_mailing_agencies(
    template: Path, data: Path, smtp_host: str, smtp_port: int, ca_file: Path, **settings: object
) -> Iterator[Safeshare]:
    """A SQLite school whose SMTP relay is a loopback agency (trusting its test CA), with the
    demo agencies in its directory; extra settings by name."""
    school_settings_ = school_settings(data, "sqlite").model_copy(
        update={
            "smtp_host": smtp_host,
            "smtp_port": smtp_port,
            "tls_ca_file": ca_file,
            "channel_timeout_seconds": 5.0,
            **settings,
        }
    )
    copy_identity(template, school_settings_.data)
    initialise(school_settings_)
    school = build(school_settings_)
    install_demo_agencies(school)
    try:
        yield school
    finally:
        school.close()
