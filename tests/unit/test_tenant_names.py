"""A school's database URL keeps everything of the deployment's and adds the school's role;
host names are compared as a browser sends them."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue
from safeshare.adapters.pg import PgParams
from safeshare.adapters.pg_roles import role_name, role_url
from safeshare.adapters.tenant_registry import check_host, normal_host


def test_a_schools_url_keeps_the_password_and_options_and_adds_its_role() -> None:
    url = "postgresql://app:p%40ss%2Fw%20rd@db.example:6543/trust?sslmode=require"
    p = PgParams.from_url(role_url(url, role_name("alpha")))
    assert (p.user, p.password, p.host, p.port, p.dbname) == (
        "app",
        "p@ss/w rd",
        "db.example",
        6543,
        "trust",
    )
    assert p.options == {"sslmode": "require", "options": "-c role=school_alpha"}


@pytest.mark.parametrize(
    ("sent", "name"),
    [
        ("Alpha.Schools.Example", "alpha.schools.example"),
        ("alpha.schools.example:8443", "alpha.schools.example"),
        ("alpha.schools.example.", "alpha.schools.example"),
    ],
)
def test_a_host_header_is_compared_without_case_port_or_final_dot(sent: str, name: str) -> None:
    assert normal_host(sent) == name


@pytest.mark.parametrize("bad", ["", "alpha schools", "alpha/beta", "-alpha.example", "a..b"])
def test_a_registered_host_must_be_a_dns_name(bad: str) -> None:
    with pytest.raises(InvalidValue) as e:
        check_host(bad)
    assert e.value.field == "host"
