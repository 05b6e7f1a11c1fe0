"""The embedded default (no RabbitMQ): `safeshare worker` runs the relay and a worker thread
over kombu's SQLAlchemy transport in `<data>/broker.sqlite`; a referral survives a restart of
that process, even a `kill -9` in the middle of its send."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.referral import Referral
from harness.dispatch import (
    REPO_ROOT,
    register_child,
    settings_env,
    share,
    wait_for,
)
from harness.schools import school_mailing_agencies
from safeshare.bootstrap import utc_now
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.school import Safeshare
from tests.integration.test_dispatch import point_agency
from tests.support import CANARY_FACT, CANARY_NAME


@pytest.fixture
def embedded_school(
    identity_template: Path, tmp_path: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[Safeshare]:
    with school_mailing_agencies(
        identity_template,
        tmp_path / "var",
        smtp_agency.host,
        smtp_agency.port,
        agency_pki.ca_file,
        reconcile_after_seconds=STALE_AFTER,
        # the reconciler's first pass comes right after the relay's first (see below)
        reconcile_interval_seconds=0.001,
    ) as school:
        point_agency(school, "mash", "smtp", "mash@agency.example")
        yield school


STALE_AFTER = 3.0
"""Seconds untouched after which the reconciler re-enqueues a dispatched referral."""

# Each wait below returns as soon as its signal arrives; the bound only says when to give up.
# It is generous because a CLI process here starts in 5-20 s when the 2 cores are shared with
# the rest of the suite (and slower again under libfaketime).
SIGNAL_WAIT = 180.0


def safeshare_cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from safeshare.entrypoints.cli.main import app; app()", *args]


def test_referral_survives_restarts_of_the_embedded_process(
    embedded_school: Safeshare, smtp_agency: SmtpAgency, tmp_path: Path
) -> None:
    school = embedded_school
    env = settings_env(school.settings)
    [rid] = share(school, register_child(school), ["mash"])

    # 1. The relay publishes into the SQLite broker file and exits: the task is on disk.
    out = subprocess.run(
        safeshare_cli("relay", "--once", "--json"),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=SIGNAL_WAIT,
    )
    assert json.loads(out.stdout)["published"] == 1
    assert (school.settings.data / "broker.sqlite").exists()

    # 2. A worker process takes it and is killed -9 while the agency holds DATA.
    log = (tmp_path / "worker.log").open("ab")
    smtp_agency.hold_data()
    first = subprocess.Popen(
        safeshare_cli("worker", "--json"), cwd=REPO_ROOT, env=env, stdout=log, stderr=log
    )
    try:
        assert smtp_agency.data_waiting.wait(SIGNAL_WAIT), "the worker never reached the agency"
    finally:
        first.kill()
        first.wait(10)
    smtp_agency.release_data()
    assert school.app.get(rid, Referral).status.value == "dispatched"

    # 3. Once the referral is stale, a restarted process's reconciler re-enqueues it on its
    # first pass and it is delivered. (Waiting for staleness first, rather than for a later
    # pass, keeps this true under libfaketime, where Python's timed waits never time out, so a
    # loop that pauses on its stop event makes one pass: README, "Tests on another day".)
    [row] = school.app.index.referral_rows(["dispatched"])
    stale_at = row.updated_at + timedelta(seconds=STALE_AFTER)
    assert wait_for(lambda: utc_now() > stale_at, SIGNAL_WAIT)  # the worker process's clock
    second = subprocess.Popen(
        safeshare_cli("worker", "--json"), cwd=REPO_ROOT, env=env, stdout=log, stderr=log
    )
    try:
        assert wait_for(
            lambda: school.app.get(rid, Referral).status.value == "delivered", SIGNAL_WAIT
        )
    finally:
        second.terminate()
        try:
            second.wait(10)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(5)
        log.close()
    packets = [m for m in smtp_agency.messages if m.message_id.startswith("<packet-")]
    assert len({m.message_id for m in packets}) == 1
    text = (tmp_path / "worker.log").read_text(errors="replace")
    assert CANARY_NAME not in text and CANARY_FACT not in text
