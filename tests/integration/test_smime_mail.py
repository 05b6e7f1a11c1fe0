"""A referral mail as an agency's duty inbox receives it (issue 17, RFC 8551 S/MIME).

The school decides to share, the dispatch store seals the packet and the SMTP channel mails it
to the loopback agency; then the agency's mail client, played by NSS `cmsutil` (Thunderbird's
S/MIME library) and `openssl smime`, opens what arrived: no mocks, no shortcut past the wire.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

from harness.schools import school_mailing_agencies
from safeshare.bootstrap import dispatch_config
from safeshare.demo.agencies.certs import AgencyPki
from safeshare.demo.agencies.smtp import ReceivedMail, SmtpAgency
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.packets import packet_id_for
from safeshare.services.school import Safeshare
from sharing.packet import FACT_LABEL, OPINION_LABEL, parse_packet
from sharing.sender import signing_certificate_names
from sharing.smime import signed_data_of, signed_mime_entity
from tests.agency_mail_client import (
    SIGNED_ENTITY,
    SMIME_DECRYPT,
    SMIME_VERIFY,
    NssMailClient,
    open_mail_with_openssl,
)
from tests.integration.test_dispatch import point_agency
from tests.support import CANARY_FACT, CANARY_NAME
from workers.delivery import Done, deliver_once

CANARY_OPINION = "I think the canary is frightened of going home."
MASH_MAILBOX = "mash@agency.example"


@pytest.fixture
def mail_school(
    identity_template: Path, tmp_path: Path, agency_pki: AgencyPki, smtp_agency: SmtpAgency
) -> Iterator[Safeshare]:
    with school_mailing_agencies(
        identity_template,
        tmp_path / "var",
        smtp_agency.host,
        smtp_agency.port,
        agency_pki.ca_file,
    ) as school:
        point_agency(school, "mash", "smtp", MASH_MAILBOX)
        yield school


def share_with(school: Safeshare, agency_id: str) -> str:
    """A concern with a fact and an opinion, shared without consent (risk to the child)."""
    now = school.ctx.clock()
    dob = (now - timedelta(days=365 * 10)).date().isoformat()
    child = str(school.children.register(CANARY_NAME, dob, by="Office", upn="C123456789012"))
    concern = str(
        school.concerns.raise_concern(
            child,
            "physical-abuse",
            CANARY_FACT,
            (now - timedelta(hours=2)).isoformat(),
            "Ms Green",
            opinion=CANARY_OPINION,
        )
    )
    school.concerns.record_consent(concern, "not-sought", "DSL", reason="risk-to-child")
    school.concerns.record_lawful_basis(
        concern, "public-task", "Risk of harm", "DSL", article9="safeguarding"
    )
    result = school.concerns.decide(
        concern, True, "Disclosure", "DSL", purpose="Strategy", to=[agency_id]
    )
    [referral] = result.referral_ids
    return str(referral)


def deliver(school: Safeshare, referral_id: str) -> object:
    store = SafeshareDispatchStore(school)
    try:
        return deliver_once(store, dispatch_config(school.settings), referral_id)
    finally:
        store.close()


@dataclass(frozen=True)
class Arrived:
    school: Safeshare
    referral_id: str
    mail: ReceivedMail
    agency_dir: Path
    school_ca: Path


@pytest.fixture
def arrived(mail_school: Safeshare, smtp_agency: SmtpAgency, tmp_path: Path) -> Arrived:
    referral_id = share_with(mail_school, "mash")
    assert deliver(mail_school, referral_id) == Done("delivered")
    [mail] = smtp_agency.messages
    school_ca = tmp_path / "school-ca.pem"
    school_ca.write_bytes(mail_school.packets.school.ca_pem())
    agency_dir = mail_school.settings.data / "agencies" / "mash"
    return Arrived(mail_school, referral_id, mail, agency_dir, school_ca)


def flip_one_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def with_body(mail: bytes, body: bytes) -> bytes:
    """The same mail headers around another enveloped body (base64, 76-column lines)."""
    head = mail.split(b"\r\n\r\n", 1)[0]
    encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return head + b"\r\n\r\n" + encoded


def test_the_mail_is_enveloped_data_and_its_headers_say_only_the_school_and_the_packet_id(
    arrived: Arrived,
) -> None:
    mail, raw = arrived.mail, arrived.mail.raw
    packet_id = packet_id_for(UUID(arrived.referral_id))

    assert (
        b"\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
        in raw
    )
    assert not mail.message.is_multipart()
    assert (
        mail.subject
        == f"Safeguarding referral {packet_id} from {arrived.school.settings.school_name}"
    )
    for secret in (CANARY_NAME, CANARY_FACT, CANARY_OPINION, "C123456789012"):
        assert secret.encode() not in raw


def test_nss_decrypts_the_mail_body_and_reports_the_school_signature_good(
    arrived: Arrived, tmp_path: Path
) -> None:
    client = NssMailClient(tmp_path / "thunderbird", arrived.agency_dir, arrived.school_ca)
    assert arrived.mail.attachment is not None

    envelope = client.decode(arrived.mail.attachment, "mail-body")
    assert envelope.returncode == 0, envelope.stderr
    signed = client.decode(signed_data_of(envelope.content), "signed")

    assert signed.returncode == 0, signed.stderr
    assert signed.signer_status == "GoodSignature", signed.info
    print("cmsutil:", signed.status_line)
    document = parse_packet(signed.content)
    assert document["referral_id"] == arrived.referral_id
    assert CANARY_FACT in str(document["content"])


def test_openssl_decrypts_the_whole_mail_and_verifies_the_signature_against_the_school_ca(
    arrived: Arrived, tmp_path: Path
) -> None:
    opened = open_mail_with_openssl(
        tmp_path / "openssl", arrived.mail.raw, arrived.agency_dir, arrived.school_ca
    )

    assert opened.ok, (opened.decrypt.stderr, opened.verify and opened.verify.stderr)
    assert b"Verification successful" in opened.verify.stderr  # type: ignore[union-attr]
    assert parse_packet(opened.content)["referral_id"] == arrived.referral_id


def test_the_decrypted_entity_is_a_signed_message_whose_content_is_the_labelled_packet(
    arrived: Arrived, tmp_path: Path
) -> None:
    opened = open_mail_with_openssl(
        tmp_path / "openssl", arrived.mail.raw, arrived.agency_dir, arrived.school_ca
    )
    assert opened.ok

    entity = message_from_bytes(opened.inner, policy=policy.default)
    assert entity.get_content_type() == "application/pkcs7-mime"
    assert entity.get_param("smime-type") == "signed-data"
    packet = message_from_bytes(opened.content, policy=policy.default)
    assert isinstance(packet, EmailMessage)
    assert packet.get_content_type() == "multipart/mixed"
    text_part, json_part = list(packet.iter_parts())
    assert json_part.get_filename() == "referral.json"
    text = text_part.get_content()
    packet_id = packet_id_for(UUID(arrived.referral_id))
    assert f"Packet id:    {packet_id}" in text
    assert f"{FACT_LABEL}: {CANARY_FACT}" in text
    opinion_at = text.index(f"{OPINION_LABEL}:")
    assert CANARY_OPINION in text[opinion_at:]
    assert CANARY_OPINION not in text[:opinion_at], "opinion is never presented as fact"


def test_a_flipped_byte_fails_in_nss_and_in_openssl(arrived: Arrived, tmp_path: Path) -> None:
    client = NssMailClient(tmp_path / "thunderbird", arrived.agency_dir, arrived.school_ca)
    assert arrived.mail.attachment is not None
    signed = signed_data_of(client.decode(arrived.mail.attachment, "good").content)
    packet_id = packet_id_for(UUID(arrived.referral_id))
    tampered = flip_one_byte(signed, signed.index(packet_id.encode()))

    nss = client.decode(tampered, "tampered")
    assert nss.signer_status != "GoodSignature", nss.info

    folder = tmp_path / "openssl-tampered"
    folder.mkdir()
    (folder / "inner.eml").write_bytes(signed_mime_entity(tampered))
    refused = subprocess.run(
        ["openssl", "smime", "-verify", "-in", "inner.eml", "-CAfile", str(arrived.school_ca)],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert refused.returncode != 0
    assert b"Verification successful" not in refused.stderr


def test_a_flipped_byte_in_the_mail_as_sent_never_opens_as_a_good_referral(
    arrived: Arrived, tmp_path: Path
) -> None:
    body = arrived.mail.attachment
    assert body is not None
    damaged = flip_one_byte(body, len(body) // 2)
    client = NssMailClient(tmp_path / "thunderbird", arrived.agency_dir, arrived.school_ca)

    nss = client.decode(damaged, "damaged")
    nss_good = False
    if nss.returncode == 0:
        try:
            nss_good = client.decode(signed_data_of(nss.content), "inner").signer_status == (
                "GoodSignature"
            )
        except ValueError:
            nss_good = False
    opened = open_mail_with_openssl(
        tmp_path / "openssl", with_body(arrived.mail.raw, damaged), arrived.agency_dir,
        arrived.school_ca,
    )  # fmt: skip

    assert not nss_good
    assert not opened.ok


def test_the_signing_certificate_names_the_from_address(arrived: Arrived) -> None:
    assert arrived.mail.attachment is not None
    sender = str(arrived.mail.message["From"])
    certificate = arrived.school.packets.school.signing_certificate
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == [sender]
    assert sender == arrived.school.settings.smtp_sender
    assert signing_certificate_names(arrived.school.packets.school, sender.upper())
    assert not signing_certificate_names(arrived.school.packets.school, "someone@else.example")


def test_the_recorded_sha256_is_the_signed_entitys_whichever_way_the_packet_travels(
    arrived: Arrived, tmp_path: Path
) -> None:
    """By mail: the SignedData inside the decrypted entity. By export (portals, `openssl
    cms`): `signed.der` from `openssl cms -decrypt`. Each is what the referral recorded."""
    folder = tmp_path / "openssl"
    opened = open_mail_with_openssl(folder, arrived.mail.raw, arrived.agency_dir, arrived.school_ca)
    assert opened.ok
    subprocess.run(shlex.split(SIGNED_ENTITY), cwd=folder, check=True, capture_output=True)
    by_mail = hashlib.sha256((folder / "signed.der").read_bytes()).hexdigest()
    assert hashlib.sha256(signed_data_of(opened.inner)).hexdigest() == by_mail
    assert arrived.school.packets.referral(arrived.referral_id).packet_sha256 == by_mail
    assert arrived.mail.message["X-Safeshare-Packet-SHA256"] == by_mail

    from tests.integration.test_referral_packet import open_as_agency

    out = tmp_path / "referral.p7m"
    ready = arrived.school.packets.export(arrived.referral_id, out, "DSL")
    open_as_agency(arrived.school, "mash", out, tmp_path)
    by_export = hashlib.sha256((tmp_path / "signed.der").read_bytes()).hexdigest()
    assert ready.sealed.sha256 == by_export
    assert arrived.school.packets.referral(arrived.referral_id).packet_sha256 == by_export
    signers = pkcs7.load_der_pkcs7_certificates((tmp_path / "signed.der").read_bytes())
    assert arrived.school.packets.school.signing_certificate in signers
    assert re.fullmatch(r"[0-9a-f]{64}", by_export)


def test_the_agency_guide_gives_exactly_the_mail_commands_tested_here() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "agency.md").read_text("utf-8")
    for command in (SMIME_DECRYPT, SMIME_VERIFY, SIGNED_ENTITY):
        assert command in guide
