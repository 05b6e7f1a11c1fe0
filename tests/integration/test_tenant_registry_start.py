"""Processes of a deployment started at the same moment (`make load` starts the urgent and the
routine worker at once) each open the school registry, whose set-up (schema, grants, table)
runs on every open: found by the load test, two set-ups at once failed with PostgreSQL's
"tuple concurrently updated" and a worker did not start."""

from __future__ import annotations

import threading

import pytest

from safeshare.adapters.pg import PgParams
from safeshare.adapters.tenant_registry import PostgresSchoolRegistry
from tests.tenancy_support import TENANCY_URL, ensure_database

pytestmark = pytest.mark.postgres


def test_many_processes_opening_the_registry_at_once_all_start() -> None:
    ensure_database()
    conninfo = PgParams.from_url(TENANCY_URL).conninfo()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def open_registry() -> None:
        start.wait()
        try:
            for _ in range(5):
                PostgresSchoolRegistry(conninfo).close()
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=open_registry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
