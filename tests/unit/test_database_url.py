"""The database URL is read by libpq's rules: nothing the operator wrote is dropped."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from domain.errors import InvalidValue
from safeshare.adapters.pg import PgParams


def test_a_password_with_a_space_and_sslmode_survive() -> None:
    p = PgParams.from_url("postgresql://app:s3cret%20pass@db.example:6543/records?sslmode=require")
    assert (p.host, p.port, p.user, p.password, p.dbname) == (
        "db.example",
        6543,
        "app",
        "s3cret pass",
        "records",
    )
    assert p.options == {"sslmode": "require"}
    again = conninfo_to_dict(p.conninfo())
    assert again["password"] == "s3cret pass" and again["sslmode"] == "require"


def test_defaults_for_what_the_url_leaves_out() -> None:
    p = PgParams.from_url("postgresql://")
    assert (p.host, p.port, p.user, p.dbname) == ("127.0.0.1", 5432, "postgres", "postgres")


@pytest.mark.parametrize("url", ["mysql://x@y/z", "127.0.0.1:5432"])
def test_a_url_that_is_not_postgresql_names_the_setting(url: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        PgParams.from_url(url)
    assert refused.value.field == "SAFESHARE_DATABASE_URL"
