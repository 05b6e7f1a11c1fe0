"""Each school's PostgreSQL schemas belong to that school's own database role.

The role is `school_<id>`, NOLOGIN: the processes connect as one login role (a member of every
school's role) and each school's connections act as its role from the start (libpq
`options=-c role=school_<id>` in the school's URL). The role owns its four schemas (events, keys,
projections, integrity) and has no privilege on any other school's: a query made for one school
cannot read another's tables, even by mistake.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql

from domain.errors import InvalidValue
from safeshare.adapters.pg import PgParams

SCHEMA_SUFFIXES = ("", "_keys", "_projections", "_integrity")


def role_name(school: str) -> str:
    return f"school_{school}"


def school_schemas(school: str) -> list[str]:
    return [f"school_{school}{suffix}" for suffix in SCHEMA_SUFFIXES]


def with_role(p: PgParams, role: str) -> PgParams:
    """The same connection details, each connection then acting as `role`."""
    return replace(p, options={**p.options, "options": f"-c role={role}"})


def role_url(database_url: str, role: str) -> str:
    """The school's database URL: the deployment's, with the school's role set on connect."""
    p = with_role(PgParams.from_url(database_url), role)
    auth = quote(p.user, safe="") + (":" + quote(p.password, safe="") if p.password else "")
    host = f"[{p.host}]" if ":" in p.host else quote(p.host, safe="")
    query = urlencode(p.options, quote_via=quote)
    return f"postgresql://{auth}@{host}:{p.port}/{quote(p.dbname, safe='')}?{query}"


def provision(database_url: str, school: str) -> None:
    """Create the school's role and its schemas, owned by it (idempotent). Refuses a schema that
    exists under another owner: nothing is handed from one role to another."""
    p = PgParams.from_url(database_url)
    role = role_name(school)
    with psycopg.connect(p.conninfo()) as conn, conn.transaction():
        # one provisioning at a time: grants on the database are one catalogue row
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('safeshare school provisioning'))")
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        me = conn.execute(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        login, superuser = me.fetchone() or ("", False)
        if not superuser:  # the login role must be able to act as the school
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(login))
            )
        # CONNECT only: the role cannot make a schema (its own are made here, for it)
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(p.dbname), sql.Identifier(role)
            )
        )
        for schema in school_schemas(school):
            row = conn.execute(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            if row is None:
                conn.execute(
                    sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                        sql.Identifier(schema), sql.Identifier(role)
                    )
                )
            elif row[0] != role:
                problem = f"schema {schema} exists and belongs to {row[0]}, not {role}"
                raise InvalidValue("school", problem)
            conn.execute(
                sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(schema))
            )


def drop(database_url: str, school: str) -> None:
    """Remove the school's schemas and role (tests, and a school never used)."""
    p = PgParams.from_url(database_url)
    role = role_name(school)
    with psycopg.connect(p.conninfo(), autocommit=True) as conn:
        for schema in school_schemas(school):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
