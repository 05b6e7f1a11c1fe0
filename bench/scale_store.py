"""Schools with long histories for `bench_scale`, generated once and kept between runs.

Each store lives in `var/bench-scale/<backend>-<events>/` (ignored by git; on PostgreSQL also
in the schemas `school_scale<events>*` of the test database) with a `generated.json` that
says what was generated. A store whose note does not match what is asked is generated again.
The timed operations add a few dozen events to a cached store each run; they are a rounding
error beside its history.

`python -m bench.scale_store BACKEND EVENTS PER_DAY` generates one store (unless cached) in its
own process: `bench/prepare.py` generates them all in parallel before anything is timed.
`SAFESHARE_BENCH_PG_TAG=<tag>` puts the PostgreSQL stores in the database
`safeshare_bench_scale_<tag>` instead, apart from another checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import identity_template
from harness.bulk_history import bulk_generate
from harness.schools import PG_DB, copy_identity, drop_pg_schemas, ensure_pg_database
from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench-scale"
GENERATOR_VERSION = 2
NOTE = "generated.json"
TAG = os.environ.get("SAFESHARE_BENCH_PG_TAG", "")
DATABASE = f"safeshare_bench_scale_{TAG}" if TAG else PG_DB
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"


def settings_for(backend: str, events: int) -> Settings:
    data = CACHE / f"{backend}-{events}"
    if backend == "postgres":  # production keeps the audit key outside the data folder
        audit_key = CACHE / f"{backend}-{events}-audit-key" / "audit-ed25519.pem"
        return Settings(
            data=data, database_url=DATABASE_URL, school=f"scale{events}", audit_key_file=audit_key
        )
    return Settings(data=data)


def _wanted(events: int, per_day: float, seed: int) -> dict[str, float | int]:
    return {"events": events, "per_day": round(per_day, 3), "seed": seed, "v": GENERATOR_VERSION}


def cached(backend: str, events: int, per_day: float, seed: int = 16) -> bool:
    note = settings_for(backend, events).data / NOTE
    return note.exists() and json.loads(note.read_text()) == _wanted(events, per_day, seed)


def generate(backend: str, events: int, per_day: float, seed: int = 16) -> None:
    """The store generated afresh (whatever was there is removed), its note written last."""
    settings = settings_for(backend, events)
    shutil.rmtree(settings.data, ignore_errors=True)
    if backend == "postgres":
        ensure_pg_database(DATABASE)
        drop_pg_schemas(settings.school, DATABASE)
    copy_identity(identity_template(), settings.data)
    initialise(settings)
    school = build(settings)
    try:
        install_demo_agencies(school)
        started = time.perf_counter()
        written = bulk_generate(school.app, events, per_day, seed=seed)
        took = time.perf_counter() - started
    finally:
        school.close()
    print(
        f"[{backend}] generated {written:,} events in {took:.0f} s "
        f"({written / took:,.0f}/s), cached in {settings.data}",
        flush=True,
    )
    (settings.data / NOTE).write_text(json.dumps(_wanted(events, per_day, seed)))


@contextmanager
def history_school(
    backend: str, events: int, per_day: float, seed: int = 16
) -> Iterator[Safeshare]:
    """The school with about `events` events of history, from the cache or generated now."""
    settings = settings_for(backend, events)
    if cached(backend, events, per_day, seed):
        print(f"[{backend}] {events:,} events from the cache {settings.data}", flush=True)
    else:
        generate(backend, events, per_day, seed)
    school = build(settings)
    try:
        yield school
    finally:
        school.close()


def main(argv: list[str]) -> int:
    backend, events, per_day = argv
    if not cached(backend, int(events), float(per_day)):
        generate(backend, int(events), float(per_day))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
