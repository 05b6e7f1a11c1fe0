"""Many schools, one deployment, nothing crosses: the tenant registry and each school's own
database role. Tried as an insider would: school beta's connections cannot read alpha's tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from typer.testing import CliRunner

from safeshare.adapters import pg_roles
from safeshare.adapters.tenant_registry import REGISTRY_SCHEMA
from safeshare.bootstrap import build
from safeshare.entrypoints.cli.main import app as cli
from safeshare.settings import Settings
from safeshare.tenants import (
    SchoolApps,
    UnknownSchool,
    registry_for,
    school_settings,
    schools_wiring_for,
)
from tests.support import FakeClock, ago, born
from tests.tenancy_support import DB_ADMIN, TENANCY_URL, deployment, school_id
from workers.schools import NoSuchSchool

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def two_schools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str, str]]:
    """Alpha and beta, added through `safeshare school add` as an operator would."""
    data = tmp_path_factory.mktemp("deployment")
    with deployment(data, FakeClock()) as base:
        env = {"SAFESHARE_DATABASE_URL": TENANCY_URL, "SAFESHARE_DATA": str(data)}
        alpha, beta = school_id("alpha"), school_id("beta")
        for school in (alpha, beta):
            host = f"{school.replace('_', '-')}.schools.test"
            added = CliRunner().invoke(
                cli,
                ["school", "add", school, "--name", f"{school} School", "--host", host],
                env=env,
            )
            assert added.exit_code == 0, added.output
        yield base, alpha, beta


def cli_json(base: Settings, *args: str) -> tuple[int, Any]:
    env = {"SAFESHARE_DATABASE_URL": TENANCY_URL, "SAFESHARE_DATA": str(base.data)}
    done = CliRunner().invoke(cli, [*args, "--json"], env=env)
    return done.exit_code, json.loads(done.stdout) if done.stdout.strip() else None


def as_role(role: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection of the deployment's login role, acting as `role` (as the stores' are)."""
    return psycopg.connect(DB_ADMIN, options=f"-c role={role}", autocommit=True)


def test_the_registry_lists_each_school_by_its_host_and_refuses_a_second_of_either(
    two_schools: tuple[Settings, str, str],
) -> None:
    base, alpha, beta = two_schools
    code, listed = cli_json(base, "school", "list")
    assert code == 0
    mine = {row["id"]: row for row in listed if row["id"] in (alpha, beta)}
    assert mine[alpha]["host"] == f"{alpha.replace('_', '-')}.schools.test"
    assert {row["status"] for row in mine.values()} == {"active"}
    with psycopg.connect(DB_ADMIN) as conn:
        rows = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.schools WHERE id = ANY(%s)").format(
                sql.Identifier(REGISTRY_SCHEMA)
            ),
            ([alpha, beta],),
        ).fetchone()
    assert rows == (2,)
    code, _ = cli_json(base, "school", "add", alpha, "--name", "Again", "--host", "other.test")
    assert code == 2
    host = f"{alpha.replace('_', '-')}.schools.test"
    code, _ = cli_json(base, "school", "add", school_id("gamma"), "--name", "G", "--host", host)
    assert code == 2
    code, _ = cli_json(base, "school", "add", "Not A Slug", "--name", "G", "--host", "g.test")
    assert code == 2


def test_each_school_has_its_own_keys_identity_and_audit_key(
    two_schools: tuple[Settings, str, str],
) -> None:
    base, alpha, beta = two_schools
    registry = registry_for(base)
    a, b = (school_settings(base, registry.get(s)) for s in (alpha, beta))  # type: ignore[arg-type]
    for path in ("kek_path", "cipher_key_path", "backup_key_path", "audit_key_path"):
        pa, pb = getattr(a, path), getattr(b, path)
        assert pa != pb and pa.read_bytes() != pb.read_bytes(), path
    ca = Path("school") / "school-ca.pem"
    assert (a.data / ca).read_bytes() != (b.data / ca).read_bytes()
    assert a.log_origin != b.log_origin
    assert not a.audit_key_path.is_relative_to(a.data)


def test_every_table_of_a_school_belongs_to_its_role_and_no_other_school_has_a_grant(
    two_schools: tuple[Settings, str, str],
) -> None:
    _, alpha, beta = two_schools
    with psycopg.connect(DB_ADMIN) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename, tableowner FROM pg_tables WHERE schemaname = ANY(%s)",
            (pg_roles.school_schemas(alpha),),
        ).fetchall()
        assert len(tables) >= 9  # events and side tables, keys, projections
        assert {owner for _, _, owner in tables} == {pg_roles.role_name(alpha)}
        for schema, table, _ in tables:
            granted = conn.execute(
                "SELECT has_table_privilege(%s, %s, 'SELECT, INSERT, UPDATE, DELETE')",
                (pg_roles.role_name(beta), f'"{schema}"."{table}"'),
            ).fetchone()
            assert granted == (False,), (schema, table)
        for schema in pg_roles.school_schemas(alpha):
            usage = conn.execute(
                "SELECT has_schema_privilege(%s, %s, 'USAGE, CREATE')",
                (pg_roles.role_name(beta), schema),
            ).fetchone()
            assert usage == (False,), schema
        registry = conn.execute(
            "SELECT has_schema_privilege(%s, %s, 'USAGE')",
            (pg_roles.role_name(beta), REGISTRY_SCHEMA),
        ).fetchone()
        assert registry == (False,)
        create = conn.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CREATE')",
            (pg_roles.role_name(beta),),
        ).fetchone()
        assert create == (False,), "a school's role makes no schema of its own"


def test_beta_cannot_read_or_write_alphas_records_even_by_mistake(
    two_schools: tuple[Settings, str, str],
) -> None:
    base, alpha, beta = two_schools
    registry = registry_for(base)
    clock = FakeClock()
    a = build(school_settings(base, registry.get(alpha)), clock)  # type: ignore[arg-type]
    b = build(school_settings(base, registry.get(beta)), clock)  # type: ignore[arg-type]
    try:
        child = str(a.children.register("Amira Alpha", born(clock, 11), by="Office"))
        a.concerns.raise_concern(child, "neglect", "No coat", ago(clock, hours=1), "Teacher")
        with b.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert conn.execute("SELECT current_user").fetchone()["current_user"] == (
                pg_roles.role_name(beta)
            )
    finally:
        a.close()
        b.close()
    with as_role(pg_roles.role_name(beta)) as conn:
        for schema, table in (
            ("", "safeshare_events"),
            ("", "referral_states"),
            ("_keys", "child_keys"),
            ("_projections", "safeshare_key_fingerprints"),
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(
                    sql.SQL("SELECT count(*) FROM {}.{}").format(
                        sql.Identifier(f"school_{alpha}{schema}"), sql.Identifier(table)
                    )
                )
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                sql.SQL(
                    "INSERT INTO {}.safeshare_events (originator_id) VALUES (gen_random_uuid())"
                ).format(sql.Identifier(f"school_{alpha}"))
            )
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                sql.SQL("SELECT * FROM {}.schools").format(sql.Identifier(REGISTRY_SCHEMA))
            )
        own = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.safeshare_events").format(
                sql.Identifier(f"school_{beta}")
            )
        ).fetchone()
    with as_role(pg_roles.role_name(alpha)) as conn:
        alphas = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.safeshare_events").format(
                sql.Identifier(f"school_{alpha}")
            )
        ).fetchone()
    assert own == (0,)
    assert alphas is not None and int(str(alphas[0])) >= 2  # the child and the concern


def test_a_suspended_school_is_listed_as_suspended(tmp_path: Path) -> None:
    with deployment(tmp_path / "d", FakeClock()) as base:
        gamma = school_id("gamma")
        code, _ = cli_json(
            base, "school", "add", gamma, "--name", "G", "--host", f"{gamma}.test".replace("_", "-")
        )
        assert code == 0
        code, shown = cli_json(base, "school", "suspend", gamma)
        assert code == 0 and shown["status"] == "suspended"
        assert registry_for(base).get(gamma).status == "suspended"  # type: ignore[union-attr]
        wiring = schools_wiring_for(base)
        assert wiring.open_school_store is not None
        with pytest.raises(NoSuchSchool):  # its tasks are refused by every worker
            wiring.open_school_store(gamma)
        with pytest.raises(UnknownSchool):  # and nothing builds its application
            SchoolApps(base, registry_for(base)).tenant(gamma)
        code, _ = cli_json(base, "school", "suspend", school_id("nobody"))
        assert code == 2
