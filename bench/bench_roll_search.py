"""The roll search's first search at a school of 1,500 pupils (PostgreSQL, as production runs).

The index of names is held in memory only, so the first search after the school's application
is opened builds it: every pupil on the roll read and unsealed with the pupil's own key. It is
built in batches (one query for 500 pupils' events, one for their keys, each key unwrapped
once). The comparison in the same run is the way it was built before: each pupil's record
loaded through the library's repository and each field unsealed, one pupil at a time.

Each round opens the school afresh (no aggregate, no key held), so both sides start cold;
rounds alternate so a busy shared machine slows both alike, and each side's time is the median.
The web also starts this build in the background when it opens a school, so a member of staff
signing in does not usually wait for it at all; this measures the wait when they do.

    BENCH roll-first-search seconds=<median> target=1.00
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.common import bench_school, scale
from bench.mem_web_roll import pupils, roll_csv
from domain.child import Child
from safeshare.adapters.case_index import CHILDREN
from safeshare.bootstrap import build
from safeshare.services.child_search import ChildSearch
from safeshare.services.roll import RollImport
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

PUPILS = 1500
ROUNDS = 3
TARGET_SECONDS = 1.0


def first_search(school: Safeshare) -> None:
    ChildSearch(school.ctx).search("ol")


def one_by_one(school: Safeshare) -> None:
    """The build as it was: a repository load and three unseals per pupil."""
    search = ChildSearch(school.ctx)
    for child_id in school.app.index.records_keyed(CHILDREN):
        search._apply(child_id, Child.Registered.TOPIC)


def cold(settings: Settings, work: Callable[[Safeshare], None]) -> float:
    school = build(settings)
    try:
        started = time.perf_counter()
        work(school)
        return time.perf_counter() - started
    finally:
        school.close()


def main() -> None:
    count = scale(PUPILS)
    with bench_school("postgres") as school:
        roll = roll_csv(pupils(1, count, school.ctx.clock().date()))
        added = RollImport(school.children, ChildSearch(school.ctx)).import_csv(roll, "Office")
        assert added.added == count, added
        batched: list[float] = []
        before: list[float] = []
        for _ in range(ROUNDS):
            batched.append(cold(school.settings, first_search))
            before.append(cold(school.settings, one_by_one))
    now, then = statistics.median(batched), statistics.median(before)
    print(f"first search at a school of {count:,} pupils, PostgreSQL, application just opened")
    print(f"  index built in batches: {now:.2f} s (rounds {_rounds(batched)})")
    print(f"  one pupil at a time:    {then:.2f} s (rounds {_rounds(before)})")
    print(f"  ratio {now / then:.2f} of the one-at-a-time build")
    print(f"BENCH roll-first-search seconds={now:.2f} target={TARGET_SECONDS:.2f}")


def _rounds(seconds: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in seconds)
