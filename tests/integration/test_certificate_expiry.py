"""A certificate about to expire is said 30 days ahead, on the DSL's worklist and once by mail to
every DSL, before referrals start escalating as failed packets."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from harness.dispatch import settings_env, wait_for
from harness.schools import FakeClock
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.dsl_alerts import AlertService
from safeshare.services.health import Status, check_health
from safeshare.services.school import Safeshare
from sharing.channels import SmtpChannel, TlsSettings
from sharing.pki import SchoolIdentity, generate_agency_keypair


def add_police_cpu(s: Safeshare, valid_from_days_ago: int, clock: FakeClock) -> None:
    """An agency whose certificate (valid one year) was issued `valid_from_days_ago`."""
    pair = generate_agency_keypair("Police CPU", clock.now - timedelta(days=valid_from_days_ago))
    s.agencies.add(
        "police-cpu", "Police CPU", "police", "smtp", "cpu@police.example",
        pair.certificate.pem().decode(), by="Admin",
    )  # fmt: skip


def worklist_lines(s: Safeshare) -> list[str]:
    return [str(i["item"]) for i in s.views.worklist()]


def test_an_agency_certificate_expiring_in_ten_days_heads_the_worklist_and_mails_the_dsls_once(
    sqlite_school: Safeshare,
    clock: FakeClock,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
) -> None:
    s = sqlite_school
    assert not any("certificate" in line for line in worklist_lines(s)), "none due yet"
    add_police_cpu(s, 30, clock)
    assert not any("certificate" in line for line in worklist_lines(s)), "335 days left"

    s.agencies.remove("police-cpu", "replaced", by="Admin")
    add_police_cpu(s, 355, clock)
    first = worklist_lines(s)[0]
    assert first.startswith("agency police-cpu's certificate expires on ")
    assert "days)" in first and "safeshare agency replace-certificate police-cpu" in first
    assert check_health(s).healthy, "a warning, not a failure"

    s.accounts.add("Ms Dee", "dee@school.test", "dsl", "a long pass phrase 1", "test set-up")
    s.accounts.add("Mr Deputy", "deputy@school.test", "dsl", "a long pass phrase 2", "set-up")
    s.accounts.add("Mr Staff", "staff@school.test", "staff", "a long pass phrase 3", "set-up")
    channel = SmtpChannel(smtp_agency.host, smtp_agency.port, "dsl@school.test", tls_settings)
    alerts = AlertService(s.ctx, s.projection_db())
    assert alerts.warn_expiring_certificates(s, channel.send_notice) == 1
    assert alerts.warn_expiring_certificates(s, channel.send_notice) == 0, "once per certificate"
    mails = smtp_agency.messages
    assert sorted(str(m.message["To"]) for m in mails) == ["dee@school.test", "deputy@school.test"]
    for m in mails:
        assert m.subject.startswith("Certificate expiring: agency police-cpu's certificate")
        body = m.message.get_body(("plain",))
        assert body is not None and "replace-certificate police-cpu" in body.get_content()


def test_the_schools_signing_certificate_within_30_days_of_expiry_is_on_the_worklist(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    s = sqlite_school
    signing = SchoolIdentity.load(s.settings.data / "school").signing_certificate
    clock.now = signing.not_valid_after_utc - timedelta(days=12)
    lines = [line for line in worklist_lines(s) if "school's signing" in line]
    assert lines == [
        f"the school's signing certificate expires on "
        f"{signing.not_valid_after_utc.date().isoformat()} (in 12 days): "
        "rotate it: safeshare keys rotate signing"
    ]
    status, detail = {c.name: (c.status, c.detail) for c in check_health(s).checks}[
        "school certificates"
    ]
    assert status is Status.WARNING and "signing expires in" in detail

    clock.now = signing.not_valid_after_utc - timedelta(days=31)
    assert not [line for line in worklist_lines(s) if "school's signing" in line]


def test_the_relay_process_mails_the_dsls_of_an_expiring_certificate(
    sqlite_school: Safeshare,
    clock: FakeClock,
    smtp_agency: SmtpAgency,
    agency_pki: AgencyPki,
    tmp_path: Path,
) -> None:
    """As docker-compose.yml runs it: `safeshare relay --alerts`, a real process."""
    s = sqlite_school
    add_police_cpu(s, 355, clock)
    s.accounts.add("Ms Dee", "dee@school.test", "dsl", "a long pass phrase 1", "test set-up")
    env = settings_env(s.settings)
    env.update(
        SAFESHARE_SMTP_HOST=smtp_agency.host,
        SAFESHARE_SMTP_PORT=str(smtp_agency.port),
        SAFESHARE_TLS_CA_FILE=str(agency_pki.ca_file),
    )
    log = (tmp_path / "relay.log").open("wb")
    relay = subprocess.Popen(
        [sys.executable, "-m", "safeshare.entrypoints.cli", "relay", "--alerts",
         "--alerts-interval", "0.5"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def warned() -> bool:
            return any(m.subject.startswith("Certificate expiring") for m in smtp_agency.messages)

        assert wait_for(warned, 60), (tmp_path / "relay.log").read_text()
    finally:
        relay.terminate()
        relay.wait(20)
        log.close()
    [mail] = smtp_agency.messages
    assert str(mail.message["To"]) == "dee@school.test"
