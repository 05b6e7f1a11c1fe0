"""A school's own sender address (`safeshare school add --sender`): kept in the registry, named
by the school's signing certificate, and the From: of the referral mail it sends; a school
without one sends from the deployment's `SAFESHARE_SMTP_SENDER`, as before."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.entrypoints.cli.main import app as cli
from safeshare.settings import Settings
from safeshare.tenants import registry_for, school_settings
from sharing.sender import signing_certificate_names
from tests.integration.test_dispatch import point_agency
from tests.integration.test_smime_mail import MASH_MAILBOX, deliver, share_with
from tests.support import FakeClock
from tests.tenancy_support import add, school_id, with_demo_agencies
from workers.delivery import Done

DEPLOYMENT_SENDER = "safeguarding@trust.example"
ALPHA_SENDER = "dsl@alpha.schools.example"


def test_a_school_with_its_own_sender_signs_for_it_and_mails_from_it(
    tmp_path: Path, identity_template: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> None:
    base = Settings(
        data=tmp_path / "d",
        smtp_host=smtp_agency.host,
        smtp_port=smtp_agency.port,
        smtp_sender=DEPLOYMENT_SENDER,
        tls_ca_file=agency_pki.ca_file,
        channel_timeout_seconds=5.0,
    )
    alpha = school_id("alpha")
    env = {"SAFESHARE_DATA": str(base.data), "SAFESHARE_SMTP_SENDER": DEPLOYMENT_SENDER}
    added = CliRunner().invoke(
        cli,
        ["school", "add", alpha, "--name", "Alpha", "--host", "alpha.schools.test",
         "--sender", ALPHA_SENDER, "--json"],
        env=env,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    registry = registry_for(base)
    beta = add(base, registry, "beta", FakeClock())  # no sender of its own
    listed = json.loads(CliRunner().invoke(cli, ["school", "list", "--json"], env=env).stdout)
    assert {row["id"]: row["sender"] for row in listed} == {alpha: ALPHA_SENDER, beta.id: None}

    for tenant, sender in ((registry.get(alpha), ALPHA_SENDER), (beta, DEPLOYMENT_SENDER)):
        assert tenant is not None
        with_demo_agencies(base, tenant, identity_template)
        s = build(school_settings(base, tenant), FakeClock())
        try:
            assert signing_certificate_names(s.packets.school, sender)
            other = ALPHA_SENDER if sender == DEPLOYMENT_SENDER else DEPLOYMENT_SENDER
            assert not signing_certificate_names(s.packets.school, other)
            point_agency(s, "mash", "smtp", MASH_MAILBOX)
            referral = share_with(s, "mash")
            assert deliver(s, referral) == Done("delivered")
        finally:
            s.close()
        mail = smtp_agency.messages[-1]
        assert str(mail.message["From"]) == sender


def test_a_sender_that_is_not_an_address_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    env = {"SAFESHARE_DATA": str(tmp_path / "d")}
    refused = CliRunner().invoke(
        cli,
        ["school", "add", "alpha", "--name", "Alpha", "--host", "alpha.schools.test",
         "--sender", "not an address", "--json"],
        env=env,
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "sender" in refused.output
    assert not (tmp_path / "d" / "schools").exists()
