"""An agency whose mailbox cannot hold a certificate (issue 17): the directory says so, and the
DSL is told to upload the exported packet to the agency's portal. It is never mailed, least of
all as a plain-text mail (policy, "Secure")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.errors import InvalidValue
from domain.referral import ReferralStatus
from harness.schools import school_mailing_agencies
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.alerts import PORTAL_UPLOAD
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.referrals import portal_uploads
from safeshare.services.school import Safeshare
from sharing.packet import parse_packet
from tests.integration.test_referral_packet import open_as_agency
from tests.integration.test_smime_mail import deliver, share_with
from tests.support import CANARY_FACT, CANARY_NAME
from workers.delivery import Escalated

PORTAL = "https://portal.nspcc.example/upload"
DSL_MAILBOX = "dsl@school.example"


def enter_portal_agency(school: Safeshare, agency_id: str, portal: str | None) -> None:
    """Record that a demo agency cannot open encrypted mail: referrals go by its portal."""
    school.agencies.change_address(
        agency_id,
        "smtp",
        f"{agency_id}@agency.example",
        "its mailbox cannot hold a certificate",
        "DSL",
        mail_certificate=False,
        portal=portal,
    )


@pytest.fixture
def portal_school(
    identity_template: Path, tmp_path: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[Safeshare]:
    with school_mailing_agencies(
        identity_template,
        tmp_path / "var",
        smtp_agency.host,
        smtp_agency.port,
        agency_pki.ca_file,
        dsl_email=DSL_MAILBOX,
    ) as school:
        enter_portal_agency(school, "nspcc", PORTAL)
        yield school


def test_the_directory_says_an_agency_cannot_hold_a_certificate_and_names_its_portal(
    portal_school: Safeshare,
) -> None:
    entry = portal_school.agencies.get("nspcc")

    assert entry["mail_certificate"] is False
    assert entry["portal"] == PORTAL
    assert portal_school.agencies.portal_upload("nspcc") == PORTAL
    assert portal_school.agencies.portal_upload("mash") is None


def test_an_agency_without_a_mail_certificate_needs_an_https_portal(
    portal_school: Safeshare,
) -> None:
    for portal in (None, "http://portal.example/upload"):
        with pytest.raises(InvalidValue) as refused:
            enter_portal_agency(portal_school, "police", portal)
        assert refused.value.field == "portal"
    assert portal_school.agencies.get("police")["mail_certificate"] is True


def test_the_dsl_is_told_at_the_decision_to_upload_the_exported_packet_to_the_portal(
    portal_school: Safeshare,
) -> None:
    referral_id = share_with(portal_school, "nspcc")

    [upload] = portal_uploads(portal_school, [referral_id])

    assert upload["agency_id"] == "nspcc" and upload["portal"] == PORTAL
    assert f"safeshare referral packet {referral_id} --out referral.p7m" in upload["instructions"]
    assert PORTAL in upload["instructions"]
    assert "Never send the referral as a plain-text mail" in upload["instructions"]


def test_dispatch_never_mails_it_and_escalates_to_the_dsl_with_the_portal_instructions(
    portal_school: Safeshare, smtp_agency: SmtpAgency
) -> None:
    referral_id = share_with(portal_school, "nspcc")

    outcome = deliver(portal_school, referral_id)

    assert outcome == Escalated(PORTAL_UPLOAD, new=True)
    referral = portal_school.packets.referral(referral_id)
    assert referral.status is ReferralStatus.ESCALATED
    assert referral.escalation_reason == PORTAL_UPLOAD
    assert smtp_agency.messages == [], "nothing is mailed to the agency, plain or encrypted"

    store = SafeshareDispatchStore(portal_school)
    try:
        store.send_alert(referral_id, PORTAL_UPLOAD)
    finally:
        store.close()
    [alert] = smtp_agency.messages
    assert alert.message["To"] == DSL_MAILBOX
    text = alert.message.get_content()
    assert f"safeshare referral packet {referral_id}" in text and PORTAL in text
    assert CANARY_NAME.encode() not in alert.raw and CANARY_FACT.encode() not in alert.raw


def test_the_exported_packet_for_the_portal_opens_with_openssl_cms(
    portal_school: Safeshare, tmp_path: Path
) -> None:
    referral_id = share_with(portal_school, "nspcc")
    out = tmp_path / "referral.p7m"

    portal_school.packets.export(referral_id, out, "DSL")

    document = parse_packet(open_as_agency(portal_school, "nspcc", out, tmp_path))
    assert document["referral_id"] == referral_id
    assert CANARY_NAME.encode() not in out.read_bytes()
