"""The deployment's relay and projection runner run as an operator runs them (`safeshare school
relay --once`, `safeshare school projections --once`, each its own process) against two schools:
the relay publishes each school's deliver task naming its school and nothing else (no child's
data in a task message); the projection runner brings both schools' projections up to date."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from harness.dispatch import RABBIT_URL, peek_messages, rabbit_lock, settings_env, unique_prefix
from safeshare.adapters.tenant_registry import Tenant
from safeshare.bootstrap import build
from safeshare.settings import Settings
from safeshare.tenants import registry_for, school_settings, schools_wiring_for
from tests.support import FakeClock, ago, born
from tests.tenancy_support import add, deployment, with_demo_agencies
from workers.celery_app import make_celery, purge_and_delete

pytestmark = pytest.mark.postgres

SAFESHARE = [sys.executable, "-m", "safeshare.entrypoints.cli"]
CHILDREN = {"alpha": "Alfreda Alphaschool", "beta": "Bartholomew Betaschool"}
FACTS = {"alpha": "alpha-fact: no coat in the snow", "beta": "beta-fact: bruise on the arm"}


@pytest.fixture
def schools(
    tmp_path: Path, identity_template: Path
) -> Iterator[tuple[Settings, dict[str, Tenant]]]:
    clock = FakeClock()
    with deployment(
        tmp_path / "d",
        clock,
        broker_url=RABBIT_URL,
        queue_prefix=unique_prefix(),
        argon2_time_cost=1,
        argon2_memory_kib=64,
    ) as base:
        registry = registry_for(base)
        try:
            tenants = {
                name: add(base, registry, name, clock, identity_template) for name in CHILDREN
            }
        finally:
            registry.close()
        for tenant in tenants.values():
            with_demo_agencies(base, tenant, identity_template)
        yield base, tenants


def decide_to_share(base: Settings, tenant: Tenant, name: str) -> tuple[str, UUID]:
    """Staff raise a concern; the DSL, with the parent's consent, decides to share with MASH."""
    clock = FakeClock()
    s = build(school_settings(base, tenant), clock)
    try:
        child = str(s.children.register(CHILDREN[name], born(clock, 10), by="Office"))
        c = s.concerns
        concern = str(c.raise_concern(child, "neglect", FACTS[name], ago(clock, hours=2), "T"))
        c.record_consent(concern, "sought", "DSL", from_whom="parent")
        c.record_consent(concern, "given", "DSL", from_whom="parent", scope=["mash"])
        done = c.decide(concern, True, "Reasons recorded", "DSL", purpose="Assessment", to=["mash"])
        (referral,) = done.referral_ids
        return child, referral
    finally:
        s.close()


def run(base: Settings, *args: str) -> Any:
    done = subprocess.run(
        [*SAFESHARE, *args, "--json"],
        env=settings_env(base),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_relay_and_the_projection_runner_serve_both_schools_as_processes(
    schools: tuple[Settings, dict[str, Tenant]],
) -> None:
    base, tenants = schools
    shared = {name: decide_to_share(base, tenants[name], name) for name in CHILDREN}
    wiring = schools_wiring_for(base)
    celery = make_celery(wiring)
    with rabbit_lock():
        try:
            relayed = run(base, "school", "relay", "--once")

            assert relayed["published"] == 2
            messages = peek_messages(celery, wiring.config.queue_for(False), 10)
            assert len(messages) == 2
            for name, (_, referral) in shared.items():
                (body,) = [m for m in messages if str(referral).encode() in m]
                assert f'"school": "{tenants[name].id}"'.encode() in body
            for message in messages:
                for name, (child, _) in shared.items():
                    assert CHILDREN[name].encode() not in message
                    assert FACTS[name].encode() not in message
                    assert child.encode() not in message
        finally:
            purge_and_delete(celery, wiring.config)
            celery.close()

    applied = run(base, "school", "projections", "--once")["applied"]

    assert set(applied) == {t.id for t in tenants.values()}
    assert all(n > 0 for n in applied.values()), applied
    again = run(base, "school", "projections", "--once")["applied"]
    assert again == {t.id: 0 for t in tenants.values()}
    for name, tenant in tenants.items():
        s = build(school_settings(base, tenant), FakeClock())
        try:
            seen = repr(s.views.worklist())
            (other,) = [n for n in CHILDREN if n != name]
            assert CHILDREN[other] not in seen and shared[other][0] not in seen
        finally:
            s.close()
