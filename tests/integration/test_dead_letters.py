"""A poison message on the real RabbitMQ: a deliver message whose worker dies every time it
takes it reaches the queue's delivery limit, lands in the dead-letter queue, is escalated to
the DSL (worklist and alert mail) by the relay, and is sent again by `safeshare referral retry`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from domain.referral import Referral
from harness.dispatch import (
    RABBIT_URL,
    Dispatch,
    WorkerProcess,
    log_on_failure,
    peek_messages,
    rabbit_lock,
    register_child,
    settings_env,
    share,
    unique_prefix,
    wait_for,
)
from safeshare.adapters.metrics import exposition
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.cli.main import app as cli
from safeshare.entrypoints.initialise import initialise
from safeshare.services.metrics import SchoolMetrics
from safeshare.services.school import Safeshare
from tests.support import CANARY_FACT, CANARY_NAME, copy_identity, drop_pg_schemas, school_settings

pytestmark = pytest.mark.postgres
DELIVERY_LIMIT = 2


@pytest.fixture
def school(
    identity_template: Path, tmp_path: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[Safeshare]:
    settings = school_settings(tmp_path / "var", "postgres").model_copy(
        update={
            "broker_url": RABBIT_URL,
            "queue_prefix": unique_prefix(),
            "smtp_host": smtp_agency.host,
            "smtp_port": smtp_agency.port,
            "tls_ca_file": agency_pki.ca_file,
            "dsl_email": "dsl@school.example",
            "dispatch_delivery_limit": DELIVERY_LIMIT,
            "channel_timeout_seconds": 5.0,
        }
    )
    copy_identity(identity_template, settings.data)
    initialise(settings)
    s = build(settings)
    install_demo_agencies(s)
    s.agencies.change_address("police", "smtp", "cpu@agency.example", "loopback agency", "test")
    try:
        yield s
    finally:
        s.close()
        drop_pg_schemas(settings.school)


@pytest.fixture
def dispatch(school: Safeshare) -> Iterator[Dispatch]:
    with rabbit_lock():
        d = Dispatch(school)
        try:
            yield d
        finally:
            d.close()


def die_holding_the_next_message(celery: Celery, queue: str) -> bool:
    """What the broker sees of a worker killed while it holds a message (acks late): the
    message was delivered, then its channel went away unacknowledged. False when the queue
    had nothing to give."""
    with celery.connection_for_write() as conn:
        channel = conn.channel()
        message = channel.basic_get(queue, no_ack=False)
        channel.close()
    return message is not None


ESCALATED_DEAD = (("reason", "dead-lettered"), ("urgency", "urgent"))


def scrape(school: Safeshare) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What Prometheus would read from any of the school's processes."""
    text, _ = exposition(SchoolMetrics(school))
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def relay_once(school: Safeshare) -> dict[str, int]:
    done = CliRunner().invoke(cli, ["relay", "--once", "--json"], env=settings_env(school.settings))
    assert done.exit_code == 0, done.output
    found: dict[str, int] = json.loads(done.stdout)
    return found


def test_a_message_redelivered_to_the_limit_is_dead_lettered_escalated_and_re_drivable(
    school: Safeshare, dispatch: Dispatch, smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    [rid] = share(school, register_child(school), ["police"], urgent=True)
    assert dispatch.relay.catch_up() == 1
    urgent_q = dispatch.config.queue_for(True)
    dead_q = dispatch.config.name("referrals.dead")

    deaths = 0
    while die_holding_the_next_message(dispatch.celery, urgent_q):
        deaths += 1
        assert deaths <= DELIVERY_LIMIT + 2, "the delivery limit never dead-lettered it"
    assert deaths > DELIVERY_LIMIT
    [dead] = peek_messages(dispatch.celery, dead_q, 5)
    assert str(rid).encode() in dead and b"safeshare.deliver" in dead
    assert school.app.get(rid, Referral).status.value == "prepared", "nothing sent, nothing lost"
    before = scrape(school)
    assert before[("safeshare_queue_depth", (("queue", "dead"),))] == 1
    assert before[("safeshare_queue_depth", (("queue", "urgent"),))] == 0

    assert relay_once(school) == {"published": 0, "dead_lettered": 1, "reconciled": 0}
    after = scrape(school)
    assert after[("safeshare_queue_depth", (("queue", "dead"),))] == 0
    escalated = ("safeshare_referral_escalations_total", ESCALATED_DEAD)
    assert after[escalated] == before.get(escalated, 0) + 1
    assert peek_messages(dispatch.celery, dead_q, 5) == []
    referral = school.app.get(rid, Referral)
    assert (referral.status.value, referral.escalation_reason) == ("escalated", "dead-lettered")
    top = school.views.worklist()[0]
    assert top["referral_id"] == str(rid) and top["item"] == "referral to police escalated"

    log = tmp_path / "worker.log"
    queues = [urgent_q, dispatch.config.queue_for(False)]
    with WorkerProcess(school.settings, queues, log), log_on_failure(log):

        def alerted() -> bool:
            return any("ESCALATED (dead-lettered)" in m.subject for m in smtp_agency.messages)

        assert wait_for(alerted, 20)
        alert = next(m for m in smtp_agency.messages if "ESCALATED" in m.subject)
        assert str(alert.message["To"]) == "dsl@school.example" and str(rid) in alert.subject
        assert CANARY_NAME.encode() not in alert.raw and CANARY_FACT.encode() not in alert.raw

        done = CliRunner().invoke(
            cli,
            ["referral", "retry", str(rid), "--by", "DSL Ms Patel"],
            env=settings_env(school.settings),
        )
        assert done.exit_code == 0, done.output
        assert relay_once(school)["published"] == 1
        assert wait_for(lambda: school.app.get(rid, Referral).status.value == "delivered", 30)
    packets = {m.message_id for m in smtp_agency.messages if m.message_id.startswith("<packet-")}
    assert len(packets) == 1
