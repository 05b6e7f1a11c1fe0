"""The school's signing identity and the agencies' encryption certificates.

A packet is signed by the school and encrypted to one agency (DESIGN.md, "Packet"). This module
keeps key material inside typed objects (STYLE.md section 3: "Key material never crosses a module
boundary as a bare `bytes` argument when a typed object would do") and refuses, with a clear
sentence, any agency certificate a packet could not safely be sealed to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sharing.errors import CertificateRefused
from sharing.sender import plain_mail_address

SCHOOL_KEY_BITS = 3072
"""RSA, not EC, for the school: every S/MIME client an agency may use verifies RSA signatures."""

AGENCY_KEY_BITS = 2048
MIN_AGENCY_KEY_BITS = 2048
CA_LIFETIME = timedelta(days=3650)
SIGNING_LIFETIME = timedelta(days=825)
AGENCY_LIFETIME = timedelta(days=365)
CLOCK_SKEW = timedelta(minutes=5)
"""Certificates start a little before `now` so a peer whose clock lags slightly accepts them."""

CA_FILE = "school-ca.pem"
SIGNING_CERT_FILE = "school-signing-cert.pem"
SIGNING_KEY_FILE = "school-signing-key.pem"


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _new_rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass(frozen=True, slots=True)
class SchoolIdentity:
    """The school's CA certificate, its signing certificate and the signing key, kept together.

    Agencies trust `ca_certificate` (they receive it as `school-ca.pem`); packets are signed with
    `signing_key` under `signing_certificate`, which the CA issued.
    """

    ca_certificate: x509.Certificate
    signing_certificate: x509.Certificate
    signing_key: rsa.RSAPrivateKey = field(repr=False)

    def ca_pem(self) -> bytes:
        """The trust anchor an agency installs to verify the school's packets."""
        return self.ca_certificate.public_bytes(serialization.Encoding.PEM)

    def save(self, directory: Path) -> None:
        """Write the three PEM files; the private key is created with mode 0600."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CA_FILE).write_bytes(self.ca_pem())
        (directory / SIGNING_CERT_FILE).write_bytes(
            self.signing_certificate.public_bytes(serialization.Encoding.PEM)
        )
        key_pem = self.signing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(directory / SIGNING_KEY_FILE, key_pem)

    @classmethod
    def load(cls, directory: Path) -> SchoolIdentity:
        """Read an identity written by `save`; the key must be the signing certificate's key."""
        ca = x509.load_pem_x509_certificate((directory / CA_FILE).read_bytes())
        cert = x509.load_pem_x509_certificate((directory / SIGNING_CERT_FILE).read_bytes())
        key = serialization.load_pem_private_key(
            (directory / SIGNING_KEY_FILE).read_bytes(), password=None
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the school signing key must be an RSA key")
        cert_key = cert.public_key()
        if (
            not isinstance(cert_key, rsa.RSAPublicKey)
            or cert_key.public_numbers() != key.public_key().public_numbers()
        ):
            raise ValueError("the school signing key does not match the signing certificate")
        return cls(ca_certificate=ca, signing_certificate=cert, signing_key=key)


def _write_private(path: Path, data: bytes) -> None:
    """Create or replace `path` readable by its owner only, never briefly world-readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def generate_school_identity(
    school_name: str, now: datetime, *, sender_address: str
) -> SchoolIdentity:
    """Create a self-signed school CA and an S/MIME signing certificate issued by it.

    The signing certificate carries KeyUsage digitalSignature and ExtendedKeyUsage
    emailProtection, which `openssl cms -verify` requires of an S/MIME signer by default, and
    the school's From address (`SAFESHARE_SMTP_SENDER`) as an rfc822Name: mail clients mark
    an S/MIME signature valid only when the signing certificate names the sender (RFC 8550).
    """
    _require_aware(now)
    sender_address = plain_mail_address(sender_address)
    ca_key = _new_rsa_key(SCHOOL_KEY_BITS)
    ca_name = _name(f"{school_name} safeguarding CA", "Safeguarding")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    signing_key = _new_rsa_key(SCHOOL_KEY_BITS)
    signing_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{school_name} safeguarding", "Safeguarding"))
        .issuer_name(ca_name)
        .public_key(signing_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + SIGNING_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, content_commitment=True),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(sender_address)]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signing_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return SchoolIdentity(
        ca_certificate=ca_cert, signing_certificate=signing_cert, signing_key=signing_key
    )


@dataclass(frozen=True, slots=True)
class AgencyCertificate:
    """An agency's encryption certificate that passed `load_agency_certificate`'s checks.

    Build one through `load_agency_certificate`, which is what makes holding one mean something.
    """

    certificate: x509.Certificate

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def not_valid_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def fingerprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _key_kind(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"an EC ({key.curve.name})"
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "an EdDSA"
    if isinstance(key, dsa.DSAPublicKey):
        return "a DSA"
    return "an unsupported"


def certificate_fingerprint(pem: bytes) -> str:
    """SHA-256 of a PEM certificate's DER bytes, in hex (as `fingerprint_sha256`)."""
    return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()


def load_agency_certificate(pem: bytes, now: datetime) -> AgencyCertificate:
    """Accept an agency certificate only if a packet can be sealed to it at `now`.

    Refuses with `CertificateRefused` when the PEM is unreadable, the certificate is expired or
    not yet valid, or its key is not an RSA key of at least 2048 bits that may encipher keys
    (the CMS envelope wraps the content key with the recipient's RSA key).
    """
    _require_aware(now)
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise CertificateRefused(
            "The agency certificate could not be read as a PEM X.509 certificate."
        ) from None
    if now < cert.not_valid_before_utc:
        raise CertificateRefused(
            f"The agency certificate is not valid until {_utc(cert.not_valid_before_utc)}."
        )
    if now > cert.not_valid_after_utc:
        raise CertificateRefused(
            f"The agency certificate expired on {_utc(cert.not_valid_after_utc)}."
        )
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertificateRefused(
            f"The agency certificate has {_key_kind(key)} key, not RSA; "
            "the CMS envelope needs an RSA recipient key."
        )
    if key.key_size < MIN_AGENCY_KEY_BITS:
        raise CertificateRefused(
            f"The agency certificate's RSA key has {key.key_size} bits; "
            f"at least {MIN_AGENCY_KEY_BITS} are needed."
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.key_encipherment:
        raise CertificateRefused(
            "The agency certificate's key usage does not allow key encipherment, "
            "which the CMS envelope needs."
        )
    return AgencyCertificate(cert)


class AgencyKeypair(NamedTuple):
    """A demo or test agency's certificate and private key (an agency keeps its own key)."""

    certificate: AgencyCertificate
    private_key: rsa.RSAPrivateKey

    def private_key_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM, for writing `agency-key.pem` in demos and tests only."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def generate_agency_keypair(name: str, now: datetime) -> AgencyKeypair:
    """A self-signed RSA 2048 S/MIME certificate for a demo agency, valid from about `now`.

    It is not passed through `load_agency_certificate`, so tests can make expired ones.
    """
    _require_aware(now)
    key = _new_rsa_key(AGENCY_KEY_BITS)
    subject = _name(name, "Safeguarding referrals")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + AGENCY_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_encipherment=True),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .sign(key, hashes.SHA256())
    )
    return AgencyKeypair(AgencyCertificate(cert), key)
