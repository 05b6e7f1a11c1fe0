"""The deliver task's decisions, the relay and the reconciler against a real school (SQLite)
and a real SMTP agency, without a broker: idempotence, consent withdrawn, permanent
failures, attempts and deadlines, publish-then-track, and the CLI's referral commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.referral import Referral
from harness.dispatch import register_child, share
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.cli.main import app as cli
from safeshare.entrypoints.initialise import initialise
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.referrals import retry_referral
from safeshare.services.school import Safeshare
from tests.integration.test_dispatch import point_agency
from tests.support import FakeClock, copy_identity, school_settings
from workers.config import DispatchConfig
from workers.delivery import Done, Escalated, Retry, deliver_once
from workers.ports import Job
from workers.relay import Reconciler, Relay


@pytest.fixture
def store_school(
    identity_template: Path, tmp_path: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[tuple[Safeshare, FakeClock]]:
    clock = FakeClock(now=datetime.now(UTC))
    settings = school_settings(tmp_path / "var", "sqlite").model_copy(
        update={
            "smtp_host": smtp_agency.host,
            "smtp_port": smtp_agency.port,
            "tls_ca_file": agency_pki.ca_file,
            "dsl_email": "dsl@school.example",
            "channel_timeout_seconds": 5.0,
        }
    )
    copy_identity(identity_template, settings.data)
    initialise(settings)
    school = build(settings, clock=clock)
    install_demo_agencies(school)
    for agency_id in ("mash", "police"):
        point_agency(school, agency_id, "smtp", f"{agency_id}@agency.example")
    try:
        yield school, clock
    finally:
        school.close()


def config(tmp_path: Path, **kw: float) -> DispatchConfig:
    return DispatchConfig(broker_url=None, broker_db=tmp_path / "b.sqlite", **kw)  # type: ignore[arg-type]


def packets(agency: SmtpAgency) -> list[str]:
    return [m.message_id for m in agency.messages if m.message_id.startswith("<packet-")]


def test_deliver_is_idempotent(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, _ = store_school
    store = SafeshareDispatchStore(school)
    [rid] = share(school, register_child(school), ["mash"])
    assert deliver_once(store, config(tmp_path), str(rid)) == Done("delivered")
    assert deliver_once(store, config(tmp_path), str(rid)) == Done("already-delivered")
    assert len(packets(smtp_agency)) == 1
    r = school.app.get(rid, Referral)
    assert r.status.value == "delivered" and r.attempts == 1 and r.packet_sha256


def test_consent_withdrawn_before_delivery_withholds_the_referral_instead_of_sending(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, _ = store_school
    [rid] = share(school, register_child(school), ["mash"])
    concern_id = school.app.get(rid, Referral).concern_id
    withheld = school.concerns.record_consent(str(concern_id), "withdrawn", "DSL")
    assert withheld == [rid]
    outcome = deliver_once(SafeshareDispatchStore(school), config(tmp_path), str(rid))
    assert outcome == Done("withheld")
    assert packets(smtp_agency) == []
    assert school.app.get(rid, Referral).status.value == "withheld"
    first = school.views.worklist()[0]
    assert first["referral_id"] == str(rid) and "withheld" in first["item"]


def test_permanent_failure_escalates_at_once(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, _ = store_school
    [rid] = share(school, register_child(school), ["mash"])
    smtp_agency.fail_next(1, 554)
    outcome = deliver_once(SafeshareDispatchStore(school), config(tmp_path), str(rid))
    assert outcome == Escalated("permanent-failure:smtp-5xx", True)
    r = school.app.get(rid, Referral)
    assert r.status.value == "escalated" and r.last_error == "smtp-5xx"


def test_transient_failures_retry_then_escalate_when_attempts_run_out(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, _ = store_school
    store = SafeshareDispatchStore(school)
    cfg = config(tmp_path, max_attempts=2)
    [rid] = share(school, register_child(school), ["mash"])
    smtp_agency.fail_next(2, 451)
    first = deliver_once(store, cfg, str(rid))
    assert isinstance(first, Retry) and first.attempt == 1
    assert deliver_once(store, cfg, str(rid)) == Escalated("attempts-exhausted", True)
    assert deliver_once(store, cfg, str(rid)) == Done("escalated-awaiting-dsl")
    retry_referral(school, str(rid), "DSL")
    assert school.app.get(rid, Referral).attempts == 0
    assert deliver_once(store, cfg, str(rid)) == Done("delivered")


def test_deadline_passed_escalates_on_the_next_failure(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, clock = store_school
    [rid] = share(school, register_child(school), ["mash"])
    clock.advance(hours=9)  # the routine deadline is 8 hours by default
    smtp_agency.fail_next(1, 451)
    outcome = deliver_once(SafeshareDispatchStore(school), config(tmp_path), str(rid))
    assert outcome == Escalated("deadline-passed", True)


def test_relay_publishes_each_trigger_and_republishes_after_a_crash_before_tracking(
    store_school: tuple[Safeshare, FakeClock],
) -> None:
    school, _ = store_school
    store = SafeshareDispatchStore(school)
    published: list[Job] = []
    ids = share(school, register_child(school), ["mash", "police"], urgent=True)

    def crashing(job: Job) -> None:
        published.append(job)
        if len(published) == 2:
            raise ConnectionError("broker went away")

    with pytest.raises(ConnectionError):
        Relay(store, crashing).run_once()
    relay = Relay(store, published.append)
    assert relay.catch_up() == 2  # nothing was tracked: both again (at least once)
    assert relay.catch_up() == 0
    assert {j.referral_id for j in published} == {str(i) for i in ids}
    assert all(j.urgent for j in published)
    retry_referral(school, str(ids[0]), "DSL")
    assert relay.catch_up() == 1 and published[-1] == Job(str(ids[0]), True)


def test_reconciler_re_enqueues_stale_open_referrals_and_escalates_overdue_ones(
    store_school: tuple[Safeshare, FakeClock], tmp_path: Path
) -> None:
    school, clock = store_school
    store = SafeshareDispatchStore(school)
    [open_rid] = share(school, register_child(school), ["mash"])
    [done_rid] = share(school, register_child(school), ["mash"])
    deliver_once(store, config(tmp_path), str(done_rid))
    jobs: list[Job] = []
    alerts: list[tuple[str, str]] = []
    reconciler = Reconciler(
        store,
        jobs.append,
        config(tmp_path, reconcile_after=600),
        lambda rid, reason: alerts.append((rid, reason)),
    )
    assert reconciler.run_once() == 0
    clock.advance(minutes=11)
    assert reconciler.run_once() == 1 and jobs == [Job(str(open_rid), False)]
    assert alerts == []
    clock.advance(hours=8)  # past the routine deadline, never delivered
    assert reconciler.run_once() == 1
    assert alerts == [(str(open_rid), "deadline-passed")]
    r = school.app.get(open_rid, Referral)
    assert r.status.value == "escalated" and r.escalation_reason == "deadline-passed"
    assert reconciler.run_once() == 0  # escalated: waits for the DSL, no second alert
    assert school.app.get(done_rid, Referral).status.value == "delivered"


def test_backoff_grows_with_jitter_and_caps() -> None:
    cfg = DispatchConfig(broker_url=None, broker_db=Path("x"))
    assert 1.0 <= cfg.backoff(1, True, lambda: 0.0) <= cfg.backoff(1, True, lambda: 1.0) == 2.0
    assert cfg.backoff(3, False, lambda: 1.0) == 240.0
    assert cfg.backoff(30, False, lambda: 1.0) == cfg.routine_retry_max
    assert cfg.backoff(30, True, lambda: 0.0) == cfg.urgent_retry_max / 2


def test_cli_referral_list_and_retry(
    store_school: tuple[Safeshare, FakeClock], smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school, _ = store_school
    [rid] = share(school, register_child(school), ["mash"])
    smtp_agency.fail_next(1, 554)
    deliver_once(SafeshareDispatchStore(school), config(tmp_path), str(rid))
    runner = CliRunner()
    env = {"SAFESHARE_DATA": str(school.settings.data)}
    listed = runner.invoke(cli, ["referral", "list", "--status", "escalated", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["referral_id"] for r in rows] == [str(rid)]
    assert rows[0]["escalation_reason"] == "permanent-failure:smtp-5xx"
    done = runner.invoke(cli, ["referral", "retry", str(rid), "--by", "DSL", "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "prepared"
    bad = runner.invoke(cli, ["referral", "list", "--status", "lost", "--json"], env=env)
    assert bad.exit_code == 2
    assert "error" in json.loads(bad.stdout)
    assert school.app.get(rid, Referral).status.value == "prepared"
