"""Shared test support, from the harness the benchmarks use too (`harness/`)."""

from harness.schools import (
    CANARY_FACT,
    CANARY_NAME,
    PG_ADMIN,
    PG_DB,
    PG_URL,
    SESSION_START,
    FakeClock,
    ago,
    born,
    copy_identity,
    drop_pg_schemas,
    ensure_pg_database,
    open_school,
    school_settings,
)

__all__ = [
    "CANARY_FACT",
    "CANARY_NAME",
    "PG_ADMIN",
    "PG_DB",
    "PG_URL",
    "SESSION_START",
    "FakeClock",
    "ago",
    "born",
    "copy_identity",
    "drop_pg_schemas",
    "ensure_pg_database",
    "open_school",
    "school_settings",
]
