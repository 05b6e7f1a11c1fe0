"""How fast all the projections rebuild from the log, against a bare read of the same log.

Issue 6: "rebuilding all projections from a log of 200,000 events, events/s, against a raw
read of the same notification log with `select_notifications` (decode included), same run;
prints the ratio. Target >= 0.3 on SQLite and on PostgreSQL. Also print the time to rebuild 1M
events extrapolated from the measured rate."

The rebuild is `safeshare projections rebuild` (all four read models in one pass over the log,
each batch decoded once, written with one `executemany` per table, tracking in the same
transaction). The baseline pages through `recorder.select_notifications` and decodes every
notification with the application's mapper (decryption included), nothing else.

The log is generated once by `harness.history` (a seeded school year of cases, many aggregates
per `app.save`) into the SQLite school, then its stored events (already encrypted, same keys)
are copied as they are into the PostgreSQL school, so both backends rebuild the same log.
`BENCH_PROJECTION_EVENTS` shrinks it for a quick run; `BENCH_PROJECTION_ROUNDS` (default 1 at
full size, 2 below 50,000 events) takes the best of more interleaved rounds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from eventsourcing.persistence import StoredEvent

from harness.history import generate
from harness.schools import FakeClock, open_school
from safeshare.bootstrap import build, utc_now
from safeshare.demo.directory import install_demo_agencies
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare

TARGET = 0.30
EVENTS = int(os.environ.get("BENCH_PROJECTION_EVENTS", "200000"))
ROUNDS = int(os.environ.get("BENCH_PROJECTION_ROUNDS", "1" if EVENTS >= 50_000 else "2"))
PAGE = 2000


def raw_read(s: Safeshare) -> int:
    """The baseline: read the whole notification log a page at a time and decode it."""
    recorder, mapper = s.app.recorder, s.app.mapper
    position, n = 0, 0
    while True:
        page = recorder.select_notifications(start=position, limit=PAGE, inclusive_of_start=False)
        if not page:
            return n
        for notification in page:
            mapper.to_domain_event(notification)
        n += len(page)
        position = page[-1].id


def copy_log(source: Safeshare, target: Safeshare) -> int:
    """Copy the stored events, as stored, from one school's log into another's. Both schools
    were set up alike (`initialise` records the agency directory), so the target already has
    the source's first events; the rest follow."""
    position = target.app.recorder.max_notification_id() or 0
    n = position
    while True:
        page = source.app.recorder.select_notifications(
            start=position, limit=5000, inclusive_of_start=False
        )
        if not page:
            return n
        target.app.recorder.insert_events(
            [StoredEvent(e.originator_id, e.originator_version, e.topic, e.state) for e in page]
        )
        n += len(page)
        position = page[-1].id


def measure(backend: str, s: Safeshare) -> float:
    head = s.event_source().max_position()
    ps.runners(s)  # tables exist before timing
    raw_times: list[float] = []
    rebuild_times: list[float] = []
    for _ in range(ROUNDS):  # interleaved, so a noisy neighbour hurts both alike
        t0 = time.perf_counter()
        assert raw_read(s) == head
        raw_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert ps.rebuild(s) == head
        rebuild_times.append(time.perf_counter() - t0)
    raw_rate = head / min(raw_times)
    rebuild_rate = head / min(rebuild_times)
    print(f"[{backend}] events: {head:,}")
    print(f"[{backend}] raw select_notifications+decode events/s: {raw_rate:,.0f}")
    print(f"[{backend}] rebuild all projections events/s: {rebuild_rate:,.0f}")
    print(f"[{backend}] rebuild 1M events (extrapolated): {1_000_000 / rebuild_rate:,.1f} s")
    return rebuild_rate / raw_rate


def main() -> None:
    from safeshare.entrypoints.initialise import initialise
    from safeshare.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-projections-"))
    try:
        template = work / "identity"
        initialise(Settings(data=template))
        made = build(Settings(data=template))
        install_demo_agencies(made)
        made.close()
        # The schools' clock starts now, not at the process's start: under `make bench` this
        # runs minutes in, after the identity above was made (its agency certificates are not
        # valid before it was made).
        clock = FakeClock(utc_now())
        ratios: dict[str, float] = {}
        with open_school(template, work / "sqlite", "sqlite", clock) as lite:
            started = time.perf_counter()
            recorded = generate(lite.app, EVENTS, seed=200_000, per_save=400)
            print(f"generated {recorded:,} events in {time.perf_counter() - started:.1f} s")
            ratios["sqlite"] = measure("sqlite", lite)
            with open_school(template, work / "postgres", "postgres", clock) as pg:
                started = time.perf_counter()
                copied = copy_log(lite, pg)
                took = time.perf_counter() - started
                print(f"PostgreSQL log: {copied:,} events (copied in {took:.1f} s)")
                ratios["postgres"] = measure("postgres", pg)
        for backend, ratio in ratios.items():
            print(f"BENCH projections-rebuild-{backend} ratio={ratio:.2f} target={TARGET:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
