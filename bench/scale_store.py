"""Schools with long histories for `bench_scale`, generated once and kept between runs.

Each store lives in `var/bench-scale/<backend>-<events>/` (ignored by git; on PostgreSQL also
in the schemas `school_scale<events>*` of the test database) with a `generated.json` that
says what was generated. A store whose note does not match what is asked is generated again.
The timed operations add a few dozen events to a cached store each run; they are a rounding
error beside its history.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import identity_template
from harness.bulk_history import bulk_generate
from harness.schools import PG_URL, copy_identity, drop_pg_schemas, ensure_pg_database
from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench-scale"
GENERATOR_VERSION = 2
NOTE = "generated.json"


def settings_for(backend: str, events: int) -> Settings:
    data = CACHE / f"{backend}-{events}"
    if backend == "postgres":  # production keeps the audit key outside the data folder
        audit_key = CACHE / f"{backend}-{events}-audit-key" / "audit-ed25519.pem"
        return Settings(
            data=data, database_url=PG_URL, school=f"scale{events}", audit_key_file=audit_key
        )
    return Settings(data=data)


def _wanted(events: int, per_day: float, seed: int) -> dict[str, float | int]:
    return {"events": events, "per_day": round(per_day, 3), "seed": seed, "v": GENERATOR_VERSION}


@contextmanager
def history_school(
    backend: str, events: int, per_day: float, seed: int = 16
) -> Iterator[Safeshare]:
    """The school with about `events` events of history, from the cache or generated now."""
    settings = settings_for(backend, events)
    note = settings.data / NOTE
    wanted = _wanted(events, per_day, seed)
    fresh = not note.exists() or json.loads(note.read_text()) != wanted
    if fresh:
        shutil.rmtree(settings.data, ignore_errors=True)
        if backend == "postgres":
            ensure_pg_database()
            drop_pg_schemas(settings.school)
        copy_identity(identity_template(), settings.data)
        initialise(settings)
    school = build(settings)
    try:
        if fresh:
            install_demo_agencies(school)
            started = time.perf_counter()
            written = bulk_generate(school.app, events, per_day, seed=seed)
            took = time.perf_counter() - started
            print(
                f"[{backend}] generated {written:,} events in {took:.0f} s "
                f"({written / took:,.0f}/s), cached in {settings.data}",
                flush=True,
            )
            note.write_text(json.dumps(wanted))
        else:
            print(f"[{backend}] {events:,} events from the cache {settings.data}", flush=True)
        yield school
    finally:
        school.close()
