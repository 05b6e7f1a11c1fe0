"""Two schools through the whole flow at once, on one set of processes: each raises a concern,
decides to share it with MASH, and one relay and one worker deliver both. Nothing of one school
is in the other's reads, projection rows, packets, or in the worker's log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError
from psycopg import sql

from domain.errors import SafeshareError
from domain.referral import Referral
from harness.dispatch import (
    RABBIT_URL,
    WorkerProcess,
    peek_messages,
    rabbit_lock,
    unique_prefix,
    wait_for,
)
from safeshare.adapters.tenant_registry import Tenant
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.school import Safeshare
from safeshare.tenants import (
    SchoolApps,
    catch_up_schools,
    registry_for,
    schools_relay,
    schools_wiring_for,
)
from tests.agency_mail_client import open_mail_with_openssl
from tests.support import FakeClock, ago, born
from tests.tenancy_support import DB_ADMIN, add, deployment, with_demo_agencies
from workers.celery_app import declare, make_celery, purge_and_delete

pytestmark = pytest.mark.postgres

CHILDREN = {"alpha": "Alfreda Alphaschool", "beta": "Bartholomew Betaschool"}
FACTS = {"alpha": "alpha-fact: no coat in the snow", "beta": "beta-fact: bruise on the arm"}


@dataclass
class Shared:
    tenant: Tenant
    child_id: str
    concern_id: str
    referral_id: UUID


def raise_and_decide(s: Safeshare, name: str, clock: FakeClock) -> tuple[str, str, UUID]:
    """Staff raise the concern; the DSL records the parent's consent and decides to share."""
    child = str(s.children.register(CHILDREN[name], born(clock, 10), by="Office"))
    c = s.concerns
    concern = str(c.raise_concern(child, "neglect", FACTS[name], ago(clock, hours=2), "Teacher"))
    c.record_consent(concern, "sought", "DSL", from_whom="parent")
    c.record_consent(concern, "given", "DSL", from_whom="parent", scope=["mash"])
    result = c.decide(concern, True, "Reasons recorded", "DSL", purpose="Assessment", to=["mash"])
    (rid,) = result.referral_ids
    return child, concern, rid


@pytest.fixture
def schools(
    tmp_path: Path, identity_template: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[tuple[SchoolApps, dict[str, Tenant]]]:
    clock = FakeClock()
    with deployment(
        tmp_path / "d",
        clock,
        broker_url=RABBIT_URL,
        queue_prefix=unique_prefix(),
        smtp_host=smtp_agency.host,
        smtp_port=smtp_agency.port,
        tls_ca_file=agency_pki.ca_file,
        dsl_email="dsl@school.example",
        channel_timeout_seconds=5.0,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
    ) as base:
        registry = registry_for(base)
        tenants = {name: add(base, registry, name, clock) for name in CHILDREN}  # own identity
        apps = SchoolApps(base, registry, clock, capacity=2)
        for tenant in tenants.values():
            with_demo_agencies(base, tenant, identity_template)
            with apps.lease(tenant.id) as s:
                s.agencies.change_address(
                    "mash", "smtp", "mash@agency.example", "loopback agency", "test"
                )
        try:
            yield apps, tenants
        finally:
            apps.close()


def test_two_schools_raise_decide_and_deliver_at_once_and_nothing_crosses(
    schools: tuple[SchoolApps, dict[str, Tenant]], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    apps, tenants = schools
    base = apps.base
    clock = FakeClock()
    shared: dict[str, Shared] = {}
    errors: list[BaseException] = []

    def flow(name: str) -> None:
        try:
            with apps.lease(tenants[name].id) as s:
                shared[name] = Shared(tenants[name], *raise_and_decide(s, name, clock))
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=flow, args=(name,)) for name in CHILDREN]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    wiring = schools_wiring_for(base)
    celery = make_celery(wiring)
    log = tmp_path / "worker.log"
    with rabbit_lock():
        declare(celery, wiring.config)
        relay = schools_relay(base, celery, wiring)
        try:
            assert relay.run_once() == 2
            # Each task message names its referral and its school, and nothing else.
            messages = peek_messages(celery, wiring.config.queue_for(False), 10)
            assert len(messages) == 2
            for x in shared.values():
                (body,) = [m for m in messages if str(x.referral_id).encode() in m]
                assert f'"school": "{x.tenant.id}"'.encode() in body
            for name in CHILDREN:
                assert not any(CHILDREN[name].encode() in m for m in messages)
            worker = WorkerProcess(
                base,
                [wiring.config.queue_for(True), wiring.config.queue_for(False)],
                log,
                env={"SAFESHARE_DISPATCH_WIRING": "safeshare.tenants:schools_wiring"},
            )
            with worker:

                def delivered() -> bool:
                    return all(status(apps, x) == "delivered" for x in shared.values())

                assert wait_for(delivered, timeout=60), log.read_text()[-3000:]
        finally:
            relay.stores.close()
            purge_and_delete(celery, wiring.config)
            celery.close()

    # The packets: each opens with MASH's key and verifies against its own school's CA only.
    assert len(smtp_agency.messages) == 2
    for n, mail in enumerate(smtp_agency.messages):
        opened = {}
        for name, x in shared.items():
            school_data = base.data / "schools" / x.tenant.id
            opened[name] = open_mail_with_openssl(
                tmp_path / f"open-{n}-{name}",
                mail.raw,
                school_data / "agencies" / "mash",
                school_data / "school" / "school-ca.pem",
            )
        verified = [name for name, o in opened.items() if o.ok]
        assert len(verified) == 1, "a packet verifies against one school's certificate only"
        (mine,) = verified
        (other,) = [name for name in CHILDREN if name != mine]
        content = opened[mine].content.decode(errors="replace")
        assert CHILDREN[mine] in content and FACTS[mine] in content
        assert CHILDREN[other] not in content and FACTS[other] not in content

    # Reads and projection rows: each school's hold only its own.
    for x in shared.values():
        (theirs,) = [y for y in shared.values() if y is not x]
        with apps.lease(x.tenant.id) as s:
            rows = s.app.recorder.referral_rows()  # type: ignore[attr-defined]
            assert {r.referral_id for r in rows} == {x.referral_id}
            assert {str(i["concern_id"]) for i in s.views.worklist()} <= {x.concern_id}
            with pytest.raises((SafeshareError, KeyError, LookupError)):
                s.views.show_concern(theirs.concern_id, "DSL")
            with pytest.raises(AggregateNotFoundError):
                s.app.get(theirs.referral_id, Referral)
            seen = repr(s.views.show_concern(x.concern_id, "DSL"))
            assert theirs.concern_id not in seen and theirs.child_id not in seen
            assert CHILDREN[theirs.tenant.id.split("_")[0]] not in seen

    # The projection runner, school by school: every row of a school's projections and
    # integrity log is about that school's records only.
    applied = catch_up_schools(apps)
    assert all(applied[x.tenant.id] > 0 for x in shared.values())
    for x in shared.values():
        (theirs,) = [y for y in shared.values() if y is not x]
        text = all_rows_as_text(x.tenant.id)
        assert x.concern_id in text
        for foreign in (theirs.concern_id, theirs.child_id, str(theirs.referral_id)):
            assert foreign not in text

    # The worker's log names schools and ids only, never a child or a fact of either school.
    text = log.read_text(errors="replace")
    for name in CHILDREN:
        assert CHILDREN[name] not in text and FACTS[name] not in text


def status(apps: SchoolApps, x: Shared) -> str:
    with apps.lease(x.tenant.id) as s:
        return s.app.get(x.referral_id, Referral).status.value


def all_rows_as_text(school: str) -> str:
    """Every row of every table in the school's projections and integrity schemas, as text."""
    out: list[str] = []
    with psycopg.connect(DB_ADMIN) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)",
            ([f"school_{school}_projections", f"school_{school}_integrity"],),
        ).fetchall()
        for schema, table in tables:
            rows = conn.execute(
                sql.SQL("SELECT t::text FROM {}.{} t").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchall()
            out += [str(r[0]) for r in rows]
    return "\n".join(out)
