"""A sealed referral packet, opened by an agency exactly as docs/agency.md tells it to.

Real `openssl` subprocesses, real keys, no mocks: if these pass, an agency with nothing but the
openssl command line can open, verify and read what the school sent, and nobody else can.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from domain.codes import AgencyKind
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from sharing.cms import SealedPacket, open_packet, seal_packet
from sharing.errors import CertificateRefused
from sharing.examples import example_packet_content
from sharing.packet import FACT_LABEL, OPINION_LABEL, build_packet, packet_document, parse_packet
from sharing.packet_content import PacketContent
from sharing.pki import (
    AgencyKeypair,
    SchoolIdentity,
    generate_agency_keypair,
    generate_school_identity,
    load_agency_certificate,
)
from sharing.profiles import default_profile, resolve_fields
from tests.support import SESSION_START

DECRYPT = (
    "openssl cms -decrypt -binary -inform DER -in packet.p7m "
    "-recip agency-cert.pem -inkey agency-key.pem -out signed.der"
)
VERIFY = (
    "openssl cms -verify -binary -inform DER -in signed.der -CAfile school-ca.pem -out packet.mime"
)
AGENCY_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "agency.md"

CANARY_NAME = "Zebedee Quixote-Canary"
CANARY_FACT = "Canary fact: the marmalade kettle sang at 07:13 on Tuesday."
NOW = SESSION_START


@pytest.fixture(scope="module")
def school() -> SchoolIdentity:
    return generate_school_identity(
        "Northshire Primary School", NOW, sender_address="dsl@northshire.school.example"
    )


@pytest.fixture(scope="module")
def another_school() -> SchoolIdentity:
    return generate_school_identity(
        "Elsewhere Academy", NOW, sender_address="dsl@elsewhere.school.example"
    )


@pytest.fixture(scope="module")
def agency() -> AgencyKeypair:
    return generate_agency_keypair("Northshire MASH", NOW)


@pytest.fixture(scope="module")
def another_agency() -> AgencyKeypair:
    return generate_agency_keypair("Some Other Agency", NOW)


@dataclass(frozen=True)
class Opened:
    """What the documented commands left behind in the agency's folder."""

    decrypt: subprocess.CompletedProcess[str]
    verify: subprocess.CompletedProcess[str] | None
    folder: Path

    @property
    def ok(self) -> bool:
        return (
            self.decrypt.returncode == 0
            and self.verify is not None
            and (self.verify.returncode == 0)
        )

    @property
    def mime(self) -> bytes:
        return (self.folder / "packet.mime").read_bytes()


def open_with_openssl(
    folder: Path, der: bytes, agency: AgencyKeypair, trusted_ca: SchoolIdentity
) -> Opened:
    """Run the two commands of docs/agency.md, word for word, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "packet.p7m").write_bytes(der)
    (folder / "agency-cert.pem").write_bytes(agency.certificate.pem())
    (folder / "agency-key.pem").write_bytes(agency.private_key_pem())
    (folder / "school-ca.pem").write_bytes(trusted_ca.ca_pem())
    decrypt = subprocess.run(
        shlex.split(DECRYPT), cwd=folder, capture_output=True, text=True, check=False
    )
    if decrypt.returncode != 0:
        return Opened(decrypt, None, folder)
    verify = subprocess.run(
        shlex.split(VERIFY), cwd=folder, capture_output=True, text=True, check=False
    )
    return Opened(decrypt, verify, folder)


def sealed(
    school: SchoolIdentity,
    agency: AgencyKeypair,
    fields: frozenset[PacketField],
    content: PacketContent | None = None,
) -> tuple[bytes, SealedPacket]:
    mime = build_packet(content or example_packet_content(), fields)
    return mime, seal_packet(mime, school, agency.certificate)


def canary_content() -> PacketContent:
    return example_packet_content(child_name=CANARY_NAME, fact=CANARY_FACT)


def test_the_agency_guide_gives_exactly_the_commands_tested_here() -> None:
    guide = AGENCY_GUIDE.read_text(encoding="utf-8")
    assert DECRYPT in guide
    assert VERIFY in guide


def test_a_sealed_packet_opens_with_the_documented_commands_and_carries_only_what_was_decided(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    content = example_packet_content()
    fields = resolve_fields(default_profile("mash"), None, None, identifiable=True)
    mime, packet = sealed(school, agency, fields, content)

    opened = open_with_openssl(tmp_path, packet.der, agency, school)

    assert opened.ok, (opened.decrypt.stderr, opened.verify and opened.verify.stderr)
    assert opened.mime == mime
    assert parse_packet(opened.mime) == json.loads(
        json.dumps(packet_document(content, fields), sort_keys=True)
    )


def test_the_recipient_id_inside_the_signed_content_is_the_agencys_own(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    content = example_packet_content(recipient_id="agency-mash-northshire")
    _, packet = sealed(school, agency, default_profile("mash"), content)

    document = parse_packet(open_with_openssl(tmp_path, packet.der, agency, school).mime)

    assert document["recipient_id"] == "agency-mash-northshire"
    assert document["packet_id"] == content.packet_id
    assert document["referral_id"] == content.referral_id
    assert document["issued_at"] == "2025-03-04T10:15:00+00:00"


def test_open_packet_in_python_gives_the_same_signed_data_openssl_decrypts(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    _, packet = sealed(school, agency, default_profile("police"))

    opened = open_with_openssl(tmp_path, packet.der, agency, school)

    signed = open_packet(packet.der, agency.private_key, agency.certificate)
    assert signed == (tmp_path / "signed.der").read_bytes()
    assert opened.ok


@pytest.mark.parametrize("position", [40, 0.5, -1])
def test_a_packet_with_one_flipped_byte_is_refused(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair, position: float
) -> None:
    _, packet = sealed(school, agency, default_profile("mash"))
    tampered = bytearray(packet.der)
    index = int(len(tampered) * position) if isinstance(position, float) else int(position)
    tampered[index] ^= 0x01

    opened = open_with_openssl(tmp_path, bytes(tampered), agency, school)

    assert not opened.ok


def test_a_signed_packet_altered_after_decryption_fails_verification(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    _, packet = sealed(school, agency, default_profile("mash"))
    signed = bytearray(open_packet(packet.der, agency.private_key, agency.certificate))
    at = signed.find(b"physical-abuse")
    signed[at] ^= 0x01
    (tmp_path / "school-ca.pem").write_bytes(school.ca_pem())
    (tmp_path / "signed.der").write_bytes(bytes(signed))

    verify = subprocess.run(
        shlex.split(VERIFY), cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert verify.returncode != 0


def test_a_packet_sealed_for_one_agency_cannot_be_opened_with_another_agencys_key(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair, another_agency: AgencyKeypair
) -> None:
    _, packet = sealed(school, agency, default_profile("mash"))

    opened = open_with_openssl(tmp_path, packet.der, another_agency, school)

    assert opened.decrypt.returncode != 0
    assert not opened.ok


def test_a_packet_is_not_trusted_against_another_schools_ca(
    tmp_path: Path, school: SchoolIdentity, another_school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    _, packet = sealed(school, agency, default_profile("mash"))

    opened = open_with_openssl(tmp_path, packet.der, agency, another_school)

    assert opened.decrypt.returncode == 0
    assert opened.verify is not None and opened.verify.returncode != 0


@pytest.mark.parametrize("kind", list(AgencyKind))
def test_each_default_profile_carries_exactly_its_fields(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair, kind: AgencyKind
) -> None:
    fields = resolve_fields(default_profile(kind), None, None, identifiable=True)
    _, packet = sealed(school, agency, fields)

    opened = open_with_openssl(tmp_path, packet.der, agency, school)

    assert opened.ok
    assert set(parse_packet(opened.mime)["content"]) == {str(f) for f in default_profile(kind)}


def test_police_packet_carries_no_upn_and_no_nhs_number(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    content = example_packet_content()
    _, packet = sealed(school, agency, default_profile("police"), content)

    mime = open_with_openssl(tmp_path, packet.der, agency, school).mime

    document = parse_packet(mime)
    assert "child-upn" not in document["content"]
    assert "child-nhs-number" not in document["content"]
    assert content.child.upn is not None and content.child.upn.encode() not in mime
    assert content.child.nhs_number is not None and content.child.nhs_number.encode() not in mime


@pytest.mark.parametrize("kind", list(AgencyKind))
def test_an_anonymised_share_carries_no_identifying_field(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair, kind: AgencyKind
) -> None:
    fields = resolve_fields(default_profile(kind), None, None, identifiable=False)
    _, packet = sealed(school, agency, fields, canary_content())

    mime = open_with_openssl(tmp_path, packet.der, agency, school).mime

    carried = set(parse_packet(mime)["content"])
    assert carried.isdisjoint(str(f) for f in IDENTIFYING_FIELDS)
    assert CANARY_NAME.encode() not in mime


def test_facts_and_opinion_are_labelled_and_kept_apart(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    content = example_packet_content()
    _, packet = sealed(school, agency, default_profile("social-care"), content)

    mime = open_with_openssl(tmp_path, packet.der, agency, school).mime

    text = mime.decode("utf-8")
    assert f"{FACT_LABEL}: {content.facts[0].text}" in text
    assert f"{FACT_LABEL} (historical" in text
    assert f"{OPINION_LABEL}:" in text
    document = parse_packet(mime)
    assert content.opinion is not None
    assert all(content.opinion not in fact["text"] for fact in document["content"]["facts"])
    assert document["content"]["opinion"] == content.opinion


def test_the_sealed_packet_holds_no_personal_data_in_plain_text(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    mime, packet = sealed(school, agency, default_profile("school"), canary_content())
    assert CANARY_NAME.encode() in mime and CANARY_FACT.encode() in mime
    stored = tmp_path / "packet.p7m"
    stored.write_bytes(packet.der)

    on_disk = stored.read_bytes()

    for canary in (CANARY_NAME, CANARY_FACT, "Zebedee", "marmalade kettle"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert canary.encode(encoding) not in on_disk


def test_the_school_identity_survives_save_and_load_with_a_private_key_file(
    tmp_path: Path, school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    school.save(tmp_path / "keys")
    loaded = SchoolIdentity.load(tmp_path / "keys")

    assert (tmp_path / "keys" / "school-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert loaded.signing_certificate == school.signing_certificate
    _, packet = sealed(loaded, agency, default_profile("mash"))
    assert open_with_openssl(tmp_path / "agency", packet.der, agency, school).ok


# --- certificates an agency must not be sent packets under -------------------------------------


def _certificate_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, start: datetime, end: datetime
) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Agency")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def rsa_key() -> Iterator[rsa.RSAPrivateKey]:
    yield rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_an_expired_agency_certificate_is_refused_with_its_expiry_date(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    expired = (NOW - timedelta(days=400)).replace(hour=0, minute=0, second=0)
    pem = _certificate_pem(rsa_key, expired - timedelta(days=365), expired)

    with pytest.raises(CertificateRefused) as refused:
        load_agency_certificate(pem, NOW)

    when = expired.strftime("%Y-%m-%d %H:%M")
    assert refused.value.reason == f"The agency certificate expired on {when} UTC."


def test_an_agency_certificate_not_yet_valid_is_refused_with_its_start_date(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    start = (NOW + timedelta(days=700)).replace(hour=9, minute=30, second=0)
    pem = _certificate_pem(rsa_key, start, start + timedelta(days=365))

    with pytest.raises(CertificateRefused) as refused:
        load_agency_certificate(pem, NOW)

    when = start.strftime("%Y-%m-%d %H:%M")
    assert refused.value.reason == f"The agency certificate is not valid until {when} UTC."


def test_an_agency_certificate_with_an_ec_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _certificate_pem(key, NOW - timedelta(days=1), NOW + timedelta(days=30))

    with pytest.raises(CertificateRefused) as refused:
        load_agency_certificate(pem, NOW)

    assert "the CMS envelope needs an RSA recipient key" in refused.value.reason


def test_an_unreadable_agency_certificate_is_refused() -> None:
    with pytest.raises(CertificateRefused) as refused:
        load_agency_certificate(b"-----BEGIN CERTIFICATE-----\nnot a cert\n", NOW)

    assert refused.value.reason == (
        "The agency certificate could not be read as a PEM X.509 certificate."
    )


def test_a_short_rsa_agency_key_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = _certificate_pem(key, NOW - timedelta(days=1), NOW + timedelta(days=30))

    with pytest.raises(CertificateRefused) as refused:
        load_agency_certificate(pem, NOW)

    assert "1024 bits" in refused.value.reason


def test_a_current_agency_certificate_is_accepted(agency: AgencyKeypair) -> None:
    loaded = load_agency_certificate(agency.certificate.pem(), NOW)

    assert loaded.fingerprint_sha256 == agency.certificate.fingerprint_sha256
