"""Reliable dispatch end to end: relay → RabbitMQ (quorum queues) → `celery worker -P
prefork` subprocesses → real SMTP and HTTPS agencies on loopback, opened with `openssl cms`.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.referral import Referral
from harness.dispatch import (
    RABBIT_URL,
    Dispatch,
    WorkerProcess,
    clone_agencies,
    log_on_failure,
    peek_messages,
    rabbit_lock,
    rabbitmqctl,
    register_child,
    share,
    share_many,
    statuses,
    unique_prefix,
    wait_for,
)
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.https import HttpsAgency
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.referrals import retry_referral
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.agency_mail_client import open_mail_with_openssl
from tests.support import CANARY_FACT, CANARY_NAME, copy_identity, drop_pg_schemas, school_settings

pytestmark = pytest.mark.postgres


def dispatch_settings(data: Path, pki: AgencyPki, smtp: SmtpAgency, **extra: Any) -> Settings:
    base = school_settings(data, "postgres")
    update: dict[str, Any] = {
        "broker_url": RABBIT_URL,
        "queue_prefix": unique_prefix(),
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "tls_ca_file": pki.ca_file,
        "dsl_email": "dsl@school.example",
        "urgent_retry_base_seconds": 1.0,
        "urgent_retry_max_seconds": 2.0,
        "routine_retry_base_seconds": 1.0,
        "routine_retry_max_seconds": 2.0,
        "channel_timeout_seconds": 5.0,
        **extra,
    }
    return base.model_copy(update=update)


def point_agency(school: Safeshare, agency_id: str, channel: str, address: str) -> None:
    """Point a demo agency (its real certificate) at a loopback address."""
    agency = school.agencies.get(agency_id)
    if (agency["channel"], agency["address"]) != (channel, address):
        school.agencies.change_address(agency_id, channel, address, "loopback agency", "test")


@pytest.fixture
def dispatch_school(
    identity_template: Path,
    tmp_path: Path,
    agency_pki: AgencyPki,
    smtp_agency: SmtpAgency,
    https_agency: HttpsAgency,
    request: pytest.FixtureRequest,
) -> Iterator[Safeshare]:
    extra = getattr(request, "param", {})
    settings = dispatch_settings(tmp_path / "var", agency_pki, smtp_agency, **extra)
    copy_identity(identity_template, settings.data)
    initialise(settings)
    school = build(settings)
    install_demo_agencies(school)
    for agency_id in ("mash", "police", "nspcc"):
        point_agency(school, agency_id, "smtp", f"{agency_id}@agency.example")
    point_agency(school, "social-care", "https", https_agency.url)
    try:
        yield school
    finally:
        school.close()
        drop_pg_schemas(settings.school)


@pytest.fixture
def dispatch(dispatch_school: Safeshare, request: pytest.FixtureRequest) -> Iterator[Dispatch]:
    """Publishing side over the test's school; the broker-restart test (marked
    `broker_restart`) holds the RabbitMQ lock exclusively, every other test shares it."""
    exclusive = request.node.get_closest_marker("broker_restart") is not None
    with rabbit_lock(exclusive):
        d = Dispatch(dispatch_school)
        try:
            yield d
        finally:
            d.close()


def open_packet(folder: Path, der: bytes, data: Path, agency_id: str) -> bytes:
    """Decrypt and verify a packet with openssl exactly as an agency would."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "packet.p7m").write_bytes(der)
    agency_dir = data / "agencies" / agency_id
    cmds = [
        "openssl cms -decrypt -binary -inform DER -in packet.p7m "
        f"-recip {agency_dir / 'agency-cert.pem'} -inkey {agency_dir / 'agency-key.pem'} "
        "-out signed.der",
        "openssl cms -verify -binary -inform DER -in signed.der "
        f"-CAfile {data / 'school' / 'school-ca.pem'} -out packet.mime",
    ]
    for cmd in cmds:
        done = subprocess.run(shlex.split(cmd), cwd=folder, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    return (folder / "packet.mime").read_bytes()


def test_happy_path_both_channels(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    https_agency: HttpsAgency,
    tmp_path: Path,
) -> None:
    school = dispatch_school
    child = register_child(school)
    ids = share(school, child, ["mash", "social-care"])
    assert dispatch.relay.catch_up() == 2
    log = tmp_path / "worker.log"
    with WorkerProcess(school.settings, [dispatch.config.queue_for(False)], log):
        assert wait_for(lambda: statuses(school, ids) == {"delivered": 2}, 30), statuses(
            school, ids
        )
    data = school.settings.data
    by_agency = {school.app.get(rid, Referral).agency_id: rid for rid in ids}
    mash = school.app.get(by_agency["mash"], Referral)
    assert mash.receipt is not None and mash.receipt.startswith("250")
    [mail] = smtp_agency.messages
    assert mail.attachment is not None
    assert CANARY_NAME.encode() not in mail.raw
    opened_mail = open_mail_with_openssl(
        tmp_path / "mash", mail.raw, data / "agencies" / "mash", data / "school" / "school-ca.pem"
    )
    assert opened_mail.ok and CANARY_NAME.encode() in opened_mail.content
    care = school.app.get(by_agency["social-care"], Referral)
    assert care.receipt
    [post] = https_agency.received
    assert post.idempotency_key == str(care.id)
    opened = open_packet(tmp_path / "care", post.body, data, "social-care")
    assert CANARY_FACT.encode() in opened
    signed = (tmp_path / "care" / "signed.der").read_bytes()
    assert post.packet_sha256 == care.packet_sha256 == hashlib.sha256(signed).hexdigest()
    worker_log = log.read_text(errors="replace")
    assert CANARY_NAME not in worker_log
    assert CANARY_FACT not in worker_log


def test_worker_killed_mid_send_everything_delivered_once_in_effect(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    tmp_path: Path,
) -> None:
    """kill -9 a worker while the agency holds DATA open: after a new worker starts, every
    referral is delivered; the agency sees each packet at least once and, deduping on
    Message-ID, acts on each exactly once."""
    school = dispatch_school
    ids = [rid for _ in range(3) for rid in share(school, register_child(school), ["mash"])]
    smtp_agency.hold_data()
    assert dispatch.relay.catch_up() == len(ids)
    log = tmp_path / "worker.log"
    queue = dispatch.config.queue_for(False)
    first = WorkerProcess(school.settings, [queue], log).start()
    try:
        assert smtp_agency.data_waiting.wait(30), "no send reached the agency"
        first.kill()  # SIGKILL, main process and pool, mid-DATA
    finally:
        first.kill()
    smtp_agency.release_data()  # the agency now completes the DATA nobody will hear about
    with WorkerProcess(school.settings, [queue], log):
        assert wait_for(lambda: statuses(school, ids) == {"delivered": 3}, 60), statuses(
            school, ids
        )
    packets = [m for m in smtp_agency.messages if m.message_id.startswith("<packet-")]
    distinct = {m.message_id for m in packets}
    print(
        f"\nkill -9: sent={len(ids)} delivered={statuses(school, ids).get('delivered', 0)} "
        f"received={len(packets)} distinct={len(distinct)} "
        f"duplicates={len(packets) - len(distinct)}"
    )
    assert len(distinct) == len(ids)
    assert len(packets) >= len(ids)


@pytest.mark.slow
@pytest.mark.broker_restart
def test_broker_restart_with_200_in_flight_all_delivered(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    tmp_path: Path,
) -> None:
    school = dispatch_school
    agencies = clone_agencies(school, 50)
    ids = share_many(school, 200, agencies)
    assert dispatch.relay.catch_up() == 200
    queue = dispatch.config.queue_for(False)
    log = tmp_path / "worker.log"

    def delivered() -> int:
        return statuses(school, ids).get("delivered", 0)

    with WorkerProcess(school.settings, [queue], log):
        assert wait_for(lambda: delivered() >= 20, 60)
        rabbitmqctl("stop_app")
        try:
            at_stop = delivered()
            time.sleep(2)
        finally:
            rabbitmqctl("start_app")
        assert wait_for(lambda: delivered() == 200, 110, step=1.0), statuses(school, ids)
    packets = [m for m in smtp_agency.messages if m.message_id.startswith("<packet-")]
    distinct = {m.message_id for m in packets}
    print(
        f"\nbroker restart: sent=200 delivered={delivered()} delivered_before_stop={at_stop} "
        f"received={len(packets)} distinct={len(distinct)} "
        f"duplicates={len(packets) - len(distinct)}"
    )
    assert len(distinct) == 200


SHORT_DEADLINE = {"routine_deadline_seconds": 5.0, "dispatch_max_attempts": 50}


@pytest.mark.parametrize("dispatch_school", [SHORT_DEADLINE], indirect=True)
def test_agency_down_retries_escalates_then_delivers_after_dsl_retry(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    https_agency: HttpsAgency,
    tmp_path: Path,
) -> None:
    school = dispatch_school
    https_agency.go_down()
    queues = [dispatch.config.queue_for(False), dispatch.config.queue_for(True)]
    log = tmp_path / "worker.log"
    with WorkerProcess(school.settings, queues, log), log_on_failure(log):
        [rid] = share(school, register_child(school), ["social-care"])
        assert dispatch.relay.catch_up() == 1
        assert wait_for(lambda: school.app.get(rid, Referral).status.value == "escalated", 40)
        referral = school.app.get(rid, Referral)
        assert referral.attempts >= 2, "retried before escalating"
        assert referral.escalation_reason == "deadline-passed"
        assert referral.last_error == "connection-refused"
        top = school.views.worklist()[0]
        assert top["referral_id"] == str(rid) and "escalated" in top["item"]
        assert wait_for(lambda: any("ESCALATED" in m.subject for m in smtp_agency.messages), 20)
        alert = next(m for m in smtp_agency.messages if "ESCALATED" in m.subject)
        assert str(rid) in alert.subject
        assert CANARY_NAME.encode() not in alert.raw and CANARY_FACT.encode() not in alert.raw
        attempts_at_escalation = referral.attempts
        time.sleep(1.5)
        assert school.app.get(rid, Referral).attempts == attempts_at_escalation, "no more tries"

        https_agency.come_back()
        retry_referral(school, str(rid), "DSL Ms Patel")
        assert dispatch.relay.catch_up() == 1
        assert wait_for(lambda: school.app.get(rid, Referral).status.value == "delivered", 30)
    assert https_agency.distinct_idempotency_keys == 1
    print(f"\nagency down: escalated after {attempts_at_escalation} attempts; delivered on retry")


@pytest.mark.slow
def test_urgent_first_under_a_routine_backlog_and_no_canary_on_the_queues(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    tmp_path: Path,
) -> None:
    school = dispatch_school
    agencies = clone_agencies(school, 50)
    routine_ids = share_many(school, 500, agencies)
    assert dispatch.relay.catch_up() == 500
    routine_q, urgent_q = dispatch.config.queue_for(False), dispatch.config.queue_for(True)

    peeked = peek_messages(dispatch.celery, routine_q, 500)
    assert len(peeked) == 500
    for body in peeked:
        assert CANARY_NAME.encode() not in body and CANARY_FACT.encode() not in body
        assert b"Zebedee" not in body
    sample = peeked[0].split(b"\n")[0]
    print(f"\na task message body: {sample[:200]!r}")

    log = tmp_path / "worker.log"
    with (
        WorkerProcess(school.settings, [routine_q], log, name="routine"),
        WorkerProcess(school.settings, [urgent_q], log, name="urgent"),
    ):
        assert wait_for(lambda: len(smtp_agency.messages) >= 5, 60)
        [urgent] = share(school, register_child(school), ["police", "mash"], urgent=True)[:1]
        started = time.monotonic()
        dispatch.relay.catch_up()
        assert wait_for(
            lambda: school.app.get(urgent, Referral).status.value == "delivered", 30, 0.05
        )
        latency = time.monotonic() - started
        routine_done = sum(
            1 for rid in routine_ids if school.app.get(rid, Referral).status.value == "delivered"
        )
        print(f"urgent delivered in {latency:.2f}s with {500 - routine_done} routine still queued")
        assert routine_done < 500, "the urgent referral waited for the backlog"
    worker_log = log.read_text(errors="replace")
    assert CANARY_NAME not in worker_log and CANARY_FACT not in worker_log
    assert "Zebedee" not in worker_log


def test_pool_child_killed_mid_send_message_is_requeued(
    dispatch_school: Safeshare,
    dispatch: Dispatch,
    smtp_agency: SmtpAgency,
    tmp_path: Path,
) -> None:
    """kill -9 only the prefork child doing the send (the worker's main process lives on):
    `task_reject_on_worker_lost` requeues the message and the same worker delivers it."""
    school = dispatch_school
    [rid] = share(school, register_child(school), ["mash"])
    smtp_agency.hold_data()
    assert dispatch.relay.catch_up() == 1
    log = tmp_path / "worker.log"
    with (
        WorkerProcess(school.settings, [dispatch.config.queue_for(False)], log) as worker,
        log_on_failure(log),
    ):
        assert smtp_agency.data_waiting.wait(30)
        children = worker.child_pids()
        assert children, "no pool process"
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        smtp_agency.release_data()
        assert wait_for(lambda: school.app.get(rid, Referral).status.value == "delivered", 60)
    referral = school.app.get(rid, Referral)
    assert referral.attempts >= 2
    assert len({m.message_id for m in smtp_agency.messages}) == 1
