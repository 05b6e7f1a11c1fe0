"""Prometheus scrapes each process: the web's `/metrics` (when switched on) after a referral is
delivered and a sign-in refused, and a runner process's own port; counts and lags under code
labels, never a person, a child or an id."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.testclient import TestClient

from harness.dispatch import REPO_ROOT, register_child, share, wait_for
from harness.schools import CANARY_NAME, FakeClock
from safeshare.bootstrap import build, wiring_for
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.entrypoints.web.app import create_app
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.school import Safeshare
from tests.support import copy_identity
from tests.web.conftest import fast_settings
from tests.web.support import Browser, add_person
from workers.delivery import Done, deliver_once

UUID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def school(
    identity_template: Path,
    tmp_path: Path,
    clock: FakeClock,
    agency_pki: AgencyPki,
    smtp_agency: SmtpAgency,
) -> Iterator[Safeshare]:
    settings = fast_settings(
        tmp_path / "var",
        web_metrics=True,
        smtp_host=smtp_agency.host,
        smtp_port=smtp_agency.port,
        tls_ca_file=agency_pki.ca_file,
    )
    copy_identity(identity_template, settings.data)
    initialise(settings, clock)
    s = build(settings, clock=clock)
    install_demo_agencies(s)
    s.agencies.change_address("mash", "smtp", "mash@agency.example", "loopback agency", "test")
    try:
        yield s
    finally:
        s.close()


def scrape(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def get_metrics(client: TestClient) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in r.headers, "a scrape opens no session"
    assert_no_personal_labels(r.text)
    return scrape(r.text)


def assert_no_personal_labels(text: str) -> None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for key, value in sample.labels.items():
                assert not UUID_LIKE.search(value), value
                if family.name.startswith("safeshare_") and key != "le":
                    assert re.fullmatch(r"[a-z][a-z0-9_\-]*", value), value
    assert CANARY_NAME not in text and "@" not in text


def test_the_web_metrics_count_a_delivery_by_urgency_and_a_refused_sign_in(
    school: Safeshare, smtp_agency: SmtpAgency
) -> None:
    app: FastAPI = create_app(school)
    scraper = TestClient(app, base_url="https://testserver")
    before = get_metrics(scraper)

    [rid] = share(school, register_child(school), ["mash"])
    store = SafeshareDispatchStore(school)
    assert deliver_once(store, wiring_for(school.settings).config, str(rid)) == Done("delivered")
    assert len(smtp_agency.messages) == 1
    dsl = add_person(school, "Ms Dee", "dee@school.test", "dsl")
    refused = Browser(app, school).sign_in(dsl, password="not the password")
    assert refused.status_code != 303

    after = get_metrics(scraper)
    delivered = ("safeshare_referral_delivery_seconds_count", (("urgency", "routine"),))
    assert after[delivered] == before.get(delivered, 0) + 1
    failures = ("safeshare_sign_in_failures_total", (("step", "password"), ("via", "web")))
    assert after[failures] == before.get(failures, 0) + 1
    lag = ("safeshare_projection_lag", (("projection", "worklist"),))
    assert lag in after
    assert after[("safeshare_referrals_overdue", (("urgency", "urgent"),))] == 0
    assert after[("safeshare_certificate_expiry_seconds", (("whose", "school"),))] > 0
    assert after[("safeshare_metrics_errors", ())] == 0


def test_metrics_are_off_in_the_web_unless_switched_on(app: FastAPI) -> None:
    assert TestClient(app).get("/metrics").status_code == 404


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_projection_runner_serves_metrics_on_its_configured_port(
    school: Safeshare, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")}
    env.update(
        SAFESHARE_DATA=str(school.settings.data),
        SAFESHARE_METRICS_PORT=str(port),
        PYTHONPATH=str(REPO_ROOT),
    )
    log = (tmp_path / "runner.log").open("wb")
    runner = subprocess.Popen(
        [sys.executable, "-m", "safeshare.entrypoints.cli", "projections", "follow"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"

        def answers() -> bool:
            try:
                return httpx.get(url, timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        assert wait_for(answers, 30), (tmp_path / "runner.log").read_text()
        text = httpx.get(url, timeout=5).text
        assert_no_personal_labels(text)
        found = scrape(text)
        assert ("safeshare_projection_lag", (("projection", "chronology"),)) in found
        assert ("safeshare_metrics_errors", ()) in found
    finally:
        runner.terminate()
        runner.wait(15)
        log.close()


def test_with_a_metrics_token_a_scrape_without_it_is_refused(school: Safeshare) -> None:
    school.settings = school.settings.model_copy(update={"metrics_token": SecretStr("t0ken")})
    client = TestClient(create_app(school), base_url="https://testserver")
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "safeshare_" not in wrong.text
    right = client.get("/metrics", headers={"Authorization": "Bearer t0ken"})
    assert right.status_code == 200 and "safeshare_projection_lag" in right.text
