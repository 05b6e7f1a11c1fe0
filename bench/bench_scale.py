"""Cost as history grows: the same everyday operations on a school with N and 10·N events.

A school's record only grows; what a person or a worker does often must cost what its own case
costs. Each operation is timed (median of `REPEAT`) on a store of N events and on one of 10·N
(100,000 and 1,000,000 by default; `SAFESHARE_BENCH_SCALE` multiplies both, and
`SAFESHARE_BENCH_SCALE_SIZES=20000,200000` names them), on SQLite and on PostgreSQL
(`SAFESHARE_BENCH_SCALE_BACKENDS=sqlite` for one). The bigger store is a longer history at the
same pace (the smaller one is one year), generated in bulk once and cached (`scale_store.py`).
The web case page is served in process by the ASGI app (`scale_web.py`). Each store's run ends
with where its time went, phase by phase.

    BENCH scale-<operation>-<backend> ratio=<time at N / time at 10·N> target=0.80

1.0 is flat; an operation that reads the whole history gives about 0.1. The peak memory of a
projection rebuild and of `audit verify`, each in its own process, is printed at both sizes
(does it grow?) and judged at the largest:

    BENCH mem-<process>-<backend> mb=<peak> target=<mb>
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench.common import scale
from bench.scale_store import history_school
from bench.scale_web import CasePage
from safeshare.services import projections as ps
from safeshare.services.audit import audit_service
from safeshare.services.chronology import child_chronology
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.school import Safeshare
from workers.config import DispatchConfig
from workers.ports import Job
from workers.relay import Reconciler, Relay

TARGET = 0.80
REPEAT = 5
MEMORY_TARGETS = {"projection-rebuild": 500, "audit-verify": 300}
DSL = "DSL Ms Patel"
OPERATIONS = (
    "record-concern",
    "show-case",
    "worklist",
    "chronology",
    "erase-child-3-concerns",
    "reconciler-tick",
    "relay-tick-idle",
    "audit-replay-as-of",
    "web-case-page",
)


def sizes() -> list[int]:
    named = os.environ.get("SAFESHARE_BENCH_SCALE_SIZES")
    if named:
        return sorted(int(n) for n in named.split(","))
    return [scale(100_000), scale(1_000_000)]


def backends() -> list[str]:
    return os.environ.get("SAFESHARE_BENCH_SCALE_BACKENDS", "sqlite,postgres").split(",")


def _median(work: Callable[[], object], setup: Callable[[], None] | None = None) -> float:
    """The median of `REPEAT` runs after one untimed run (first-use imports and caches)."""
    times = []
    for _ in range(REPEAT + 1):
        if setup is not None:
            setup()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


class Phases:
    """Where a run's time goes: the seconds since the previous mark, by name."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now

    def report(self) -> None:
        spent = ", ".join(f"{name} {s:.0f} s" for name, s in self.seconds.items())
        print(f"{self.title}: {sum(self.seconds.values()):.0f} s: {spent}", flush=True)


def _no_publish(job: Job) -> None:
    pass


class Case:
    """A child registered and concerns raised through the services (real sealing), to act on."""

    def __init__(self, s: Safeshare, concerns: int = 3) -> None:
        self.s = s
        now = s.ctx.clock()
        dob = (now - timedelta(days=365 * 9)).date().isoformat()
        self.child = s.children.register("Sam Example", dob, "Office")
        self.concerns = [self.raise_one() for _ in range(concerns)]

    def raise_one(self) -> str:
        observed = (self.s.ctx.clock() - timedelta(hours=2)).isoformat()
        return str(
            self.s.concerns.raise_concern(
                str(self.child), "neglect", "Came in hungry again.", observed, "Mr Jones"
            )
        )


def warm(s: Safeshare, relay: Relay, reconciler: Reconciler, phases: Phases) -> None:
    """What the running workers would already have done: projections and the integrity log
    caught up, the relay past the history, overdue referrals escalated."""
    ps.catch_up(s)
    phases.done("catch up the projections")
    audit_service(s).checkpoint()
    phases.done("catch up the integrity log")
    relay.catch_up()
    reconciler.run_once()
    phases.done("catch up the relay and reconciler")


def measure(s: Safeshare, backend: str, events: int, phases: Phases) -> dict[str, float]:
    store = SafeshareDispatchStore(s)
    config = DispatchConfig(broker_url=None, broker_db=Path(tempfile.mkdtemp()) / "broker.db")
    relay = Relay(store, _no_publish)
    reconciler = Reconciler(store, _no_publish, config)
    try:
        warm(s, relay, reconciler, phases)
        case = Case(s)
        audit = audit_service(s)
        erasing: list[Case] = []

        def next_erasure() -> None:
            erasing.append(Case(s))

        def erase() -> None:
            s.children.erase(str(erasing[-1].child), "retention-ended", DSL)

        found = {
            "record-concern": _median(case.raise_one),
            "show-case": _median(lambda: s.views.show_concern(case.concerns[0], DSL)),
            "worklist": _median(s.views.worklist),
            "chronology": _median(lambda: child_chronology(s, str(case.child), DSL)),
            "erase-child-3-concerns": _median(erase, next_erasure),
            "reconciler-tick": _median(reconciler.run_once),
            "relay-tick-idle": _median(relay.run_once),
            "audit-replay-as-of": _median(
                lambda: audit.replay(case.concerns[0], s.ctx.clock().isoformat(), DSL)
            ),
        }
        page = CasePage(s)
        try:
            found["web-case-page"] = _median(page.get)
        finally:
            page.close()
        phases.done("time the operations")
    finally:
        store.close()
    figures = ", ".join(f"{op} {t * 1000:.1f} ms" for op, t in found.items())
    print(f"[{backend}] {events:,} events: {figures}", flush=True)
    print(
        f"[{backend}] the case page: a concern of {page.events} events "
        f"(the median of {page.weighed} across the roll), {page.size / 1000:.0f} KB",
        flush=True,
    )
    return found


def memory(job: str, backend: str, events: int, phases: Phases) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale_memory", job, backend, str(events)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    phases.done(f"{job} (its own process)")
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"[{backend}] {job} over {events:,} events: {found['s']:.0f} s, peak {found['mb']:.0f} MB "
        f"(process before the job: {found['before_mb']:.0f} MB)",
        flush=True,
    )
    return found


def main() -> None:
    small, large = sizes()[0], sizes()[-1]
    per_day = small / 365
    lines: list[str] = []
    for backend in backends():
        times: dict[int, dict[str, float]] = {}
        for events in (small, large):
            phases = Phases(f"[{backend}] {events:,} events")
            with history_school(backend, events, per_day) as s:
                phases.done("open or generate the store")
                # The rebuild first: a store just generated then has its projections built
                # once (catching them up would fold the whole history a second time).
                rebuilt = memory("rebuild", backend, events, phases)
                times[events] = measure(s, backend, events, phases)  # catches the log up
                verified = memory("verify", backend, events, phases)  # every record checked
            phases.report()
        for op in OPERATIONS:
            ratio = times[small][op] / times[large][op]
            lines.append(f"BENCH scale-{op}-{backend} ratio={ratio:.2f} target={TARGET:.2f}")
        for name, found in (("projection-rebuild", rebuilt), ("audit-verify", verified)):
            target = MEMORY_TARGETS[name]
            lines.append(f"BENCH mem-{name}-{backend} mb={found['mb']:.0f} target={target}")
    print(f"sizes: {small:,} and {large:,} events ({per_day:,.0f} events a day)")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
