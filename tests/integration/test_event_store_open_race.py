"""Every process of a deployment opens a school's event store (the web's workers, the relay,
the Celery workers, the projections runner), and opening it runs the library's set-up
statements, among them `CREATE OR REPLACE FUNCTION`. Two processes doing that at once used to
fail with "tuple concurrently updated": a request answered 500, a `make load` run aborted.
Now the second opener waits for the first and both stores open."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

from harness.schools import PG_ADMIN, PG_DB, ensure_pg_database
from safeshare.adapters.postgres_store import SafesharePostgresRecorder

pytestmark = pytest.mark.postgres
DB = PG_ADMIN.replace("dbname=postgres", f"dbname={PG_DB}")


@pytest.fixture
def schema() -> Iterator[str]:
    ensure_pg_database()
    name = "race_" + uuid.uuid4().hex[:10]
    with psycopg.connect(DB, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(DB, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def recorder(schema: str) -> SafesharePostgresRecorder:
    datastore = PostgresDatastore(
        dbname=PG_DB, host="127.0.0.1", port="5432", user="postgres", password="", schema=schema
    )
    return SafesharePostgresRecorder(datastore)


def test_two_processes_opening_a_school_store_at_once_both_open_it(schema: str) -> None:
    recorder(schema).create_table()  # the school exists: its tables and function are there
    first, second = recorder(schema), recorder(schema)
    # The first opener is still inside its set-up transaction (its function rewritten, not yet
    # committed) when the second starts its own.
    first.sql_create_statements.append(sql.SQL("SELECT pg_sleep(1.0)").format())
    errors: list[BaseException] = []

    def open_store(r: SafesharePostgresRecorder) -> None:
        try:
            r.create_table()
        except BaseException as exc:  # reported below
            errors.append(exc)

    opening = threading.Thread(target=open_store, args=(first,))
    opening.start()
    time.sleep(0.3)
    open_store(second)
    opening.join()
    for r in (first, second):
        r.datastore.close()
    assert errors == []
