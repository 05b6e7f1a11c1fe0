"""Seal a packet for one agency: CMS SignedData by the school, inside CMS EnvelopedData.

Sign, then encrypt, so only the agency can read the packet and the agency can prove the school
sent it (policy, "Secure": "Wherever possible, information should be shared in an appropriate,
secure way."). Both layers are standard CMS, openable with `openssl cms` (docs/agency.md).
The content is encrypted with AES-256-CBC; the content key is wrapped with the agency's RSA key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from sharing.pki import AgencyCertificate, SchoolIdentity

_BINARY = [pkcs7.PKCS7Options.Binary]
"""Binary mode: the MIME bytes are signed exactly as built, with no CRLF translation."""


@dataclass(frozen=True, slots=True)
class SealedPacket:
    """The DER-encoded `.p7m` to deliver, and its SHA-256 (hex) for receipts and audit."""

    der: bytes
    sha256: str


def sign_packet(mime_bytes: bytes, school: SchoolIdentity) -> bytes:
    """CMS SignedData (DER) over the packet, signed with SHA-256 by the school's signer.

    The signing certificate is embedded; the agency verifies it against the school's CA.
    """
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(mime_bytes)
        .add_signer(school.signing_certificate, school.signing_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, _BINARY)
    )


def seal_packet(
    mime_bytes: bytes, school: SchoolIdentity, recipient: AgencyCertificate
) -> SealedPacket:
    """Sign the packet as the school, then encrypt the signed DER to the one recipient."""
    signed = sign_packet(mime_bytes, school)
    der = (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(signed)
        .add_recipient(recipient.certificate)
        .set_content_encryption_algorithm(algorithms.AES256)
        .encrypt(serialization.Encoding.DER, _BINARY)
    )
    return SealedPacket(der=der, sha256=hashlib.sha256(der).hexdigest())


def open_packet(
    der: bytes, recipient_key: rsa.RSAPrivateKey, recipient_cert: AgencyCertificate
) -> bytes:
    """Decrypt a sealed packet with the agency's key: returns the school's SignedData (DER).

    For tests and Python agencies; the signature is then checked with
    `openssl cms -verify` against the school's CA (cryptography cannot verify CMS signatures).
    """
    return pkcs7.pkcs7_decrypt_der(der, recipient_cert.certificate, recipient_key, [])
