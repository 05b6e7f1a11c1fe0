"""Fifty schools on one set of processes: PostgreSQL's connections stay bounded, because only
the most recently used schools' applications are open (the others are closed, and rebuilt on
their next use)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from safeshare.tenants import SchoolApps, registry_for
from tests.support import FakeClock
from tests.tenancy_support import add, database_admin, deployment

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCALE_DB = "safeshare_tenancy_scale_test"
"""Its own database: only this deployment's connections are counted."""
SCHOOLS = 50
OPEN_AT_ONCE = 4
POOL, OVERFLOW = 1, 1
PER_SCHOOL = POOL + OVERFLOW + 2
"""The event store's pool, then the key store's and the projections' connections."""


def backends(monitor: psycopg.Connection[tuple[object, ...]]) -> int:
    row = monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (SCALE_DB,),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def test_fifty_schools_in_use_keep_the_connections_within_a_bound(
    tmp_path: Path, identity_template: Path
) -> None:
    clock = FakeClock()
    with deployment(
        tmp_path / "deployment",
        clock,
        database=SCALE_DB,
        pg_pool_size=POOL,
        pg_max_overflow=OVERFLOW,
        broker_url="amqp://guest:guest@127.0.0.1:5672//",
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
    ) as base:
        registry = registry_for(base)
        with ThreadPoolExecutor(4) as pool:
            schools = list(
                pool.map(
                    lambda n: add(base, registry, f"s{n:02d}", clock, identity_template).id,
                    range(SCHOOLS),
                )
            )
        apps = SchoolApps(base, registry, clock, capacity=OPEN_AT_ONCE)
        peak = 0
        with psycopg.connect(database_admin(SCALE_DB), autocommit=True) as monitor:
            try:
                # every school, then the first few again (closed since, so rebuilt)
                for school in [*schools, *schools[: OPEN_AT_ONCE + 2]]:
                    # A closed connection's server process leaves pg_stat_activity a moment
                    # after the client closed it: let the evicted school's go before counting.
                    held = len(apps.open_schools()) * PER_SCHOOL + 1
                    assert settled(monitor, held, seconds=10), (
                        "an evicted school kept its connections"
                    )
                    with apps.lease(school) as s:
                        assert s.settings.school == school
                        assert s.views.worklist() == []
                        peak = max(peak, backends(monitor))
                    assert len(apps.open_schools()) <= OPEN_AT_ONCE
            finally:
                apps.close()
            bound = OPEN_AT_ONCE * PER_SCHOOL + 1  # and the registry's, while it is read
            print(
                f"TENANCY schools={SCHOOLS} open_at_once={OPEN_AT_ONCE} peak={peak} bound={bound}"
            )
            assert 0 < peak <= bound, f"{peak} backends with {SCHOOLS} schools; bound {bound}"
            assert closed_within(monitor, seconds=10), "connections left open after close"


def closed_within(monitor: psycopg.Connection[tuple[object, ...]], seconds: float) -> bool:
    """The pools close their connections in the background: wait for the last to go."""
    return settled(monitor, 0, seconds)


def settled(monitor: psycopg.Connection[tuple[object, ...]], most: int, seconds: float) -> bool:
    """At most `most` backends within `seconds` (closed ones take a moment to leave)."""
    deadline = time.monotonic() + seconds
    while backends(monitor) > most:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
