"""One web process for many schools: the school is the one the host name belongs to. Nothing
in a path, a parameter or a forwarded header can choose another; an unknown host, a suspended
school, and another school's record are all simply "not found"; a token works only at the
school that issued it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safeshare.adapters.tenant_registry import Tenant
from safeshare.entrypoints.web.tenants import SchoolsByHost
from safeshare.settings import Settings
from safeshare.tenant_ops import suspend_school
from safeshare.tenants import SchoolApps, registry_for
from tests.support import FakeClock, born
from tests.tenancy_support import add, deployment
from tests.web.api_support import API, token_for
from tests.web.support import add_person

pytestmark = pytest.mark.postgres


@dataclass
class Two:
    base: Settings
    apps: SchoolApps
    web: SchoolsByHost
    alpha: Tenant
    beta: Tenant
    tokens: dict[str, str]
    """A DSL's API token at each school, by school id."""


@pytest.fixture
def two(tmp_path: Path, identity_template: Path) -> Iterator[Two]:
    clock = FakeClock()
    with deployment(
        tmp_path / "d", clock, argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1
    ) as base:
        registry = registry_for(base)
        alpha = add(base, registry, "alpha", clock, identity_template)
        beta = add(base, registry, "beta", clock, identity_template)
        apps = SchoolApps(base, registry, clock, capacity=2)
        tokens = {}
        for tenant in (alpha, beta):
            with apps.lease(tenant.id) as s:
                dsl = add_person(s, "Mrs Dee", f"dee@{tenant.host}", "dsl")
                tokens[tenant.id] = token_for(s, dsl)
        try:
            yield Two(base, apps, SchoolsByHost(apps), alpha, beta, tokens)
        finally:
            apps.close()


def client(two: Two, host: str, token: str | None = None) -> TestClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(two.web, base_url=f"https://{host}", headers=headers, follow_redirects=False)


def test_each_host_name_shows_its_own_schools_pages(two: Two) -> None:
    for tenant in (two.alpha, two.beta):
        page = client(two, tenant.host).get("/login")
        assert page.status_code == 200
        assert tenant.name in page.text
        other = two.beta if tenant is two.alpha else two.alpha
        assert other.name not in page.text
    with_port = client(two, two.alpha.host.upper() + ":8443").get("/login")
    assert with_port.status_code == 200 and two.alpha.name in with_port.text


def test_an_unknown_host_or_a_suspended_school_is_not_found(two: Two) -> None:
    assert client(two, "nobody.schools.test").get("/login").status_code == 404
    assert client(two, "127.0.0.1").get(API + "/me").status_code == 404
    suspend_school(two.apps.registry, two.beta.id)
    assert client(two, two.beta.host).get("/login").status_code == 404
    assert client(two, two.alpha.host).get("/login").status_code == 200


def test_a_token_works_only_at_the_school_that_issued_it(two: Two) -> None:
    alphas = two.tokens[two.alpha.id]
    assert client(two, two.alpha.host, alphas).get(API + "/me").status_code == 200
    assert client(two, two.beta.host, alphas).get(API + "/me").status_code == 401
    forwarded = client(two, two.beta.host, alphas).get(
        API + "/me", headers={"X-Forwarded-Host": two.alpha.host}, params={"school": two.alpha.id}
    )
    assert forwarded.status_code == 401


def test_another_schools_record_is_not_found_not_forbidden(two: Two) -> None:
    clock = FakeClock()
    with two.apps.lease(two.alpha.id) as a:
        child = str(a.children.register("Amira Alpha", born(clock, 11), by="Office"))
    at_alpha = client(two, two.alpha.host, two.tokens[two.alpha.id])
    raised = at_alpha.post(
        API + "/concerns",
        json={
            "child_id": child,
            "category": "neglect",
            "facts": "No coat in the snow.",
            "observed_at": clock().isoformat(),
        },
    )
    assert raised.status_code == 201, raised.text
    concern = raised.json()["id"]
    assert at_alpha.get(f"{API}/concerns/{concern}").status_code == 200
    at_beta = client(two, two.beta.host, two.tokens[two.beta.id])
    assert at_beta.get(f"{API}/concerns/{concern}").status_code == 404
    assert at_beta.get(f"{API}/children/{child}").status_code == 404
    assert "Amira" not in at_beta.get(f"{API}/children/{child}").text
