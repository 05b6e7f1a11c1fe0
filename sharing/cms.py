"""Seal a packet for one agency: CMS SignedData by the school, inside CMS EnvelopedData.

Sign, then encrypt, so only the agency can read the packet and the agency can prove the school
sent it (policy, "Secure": "Wherever possible, information should be shared in an appropriate,
secure way."). Both layers are standard CMS. One signature, two envelopes:

- `der`, the `.p7m` for portals, HTTPS and `openssl cms` (docs/agency.md): EnvelopedData whose
  content is the SignedData's DER.
- `smime`, the body of the referral mail (RFC 8551, `sharing.smime`): EnvelopedData whose
  content is the school's signed MIME entity, an opaque `application/pkcs7-mime;
  smime-type=signed-data` part carrying the very same SignedData.

Both wrap the same SignedData, so the SHA-256 the referral records, `signed_entity_sha256`,
is the same whichever way the packet travels, and an agency can recompute it after decrypting.
The content is encrypted with AES-256-CBC; the content key is wrapped with the agency's RSA key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from sharing.pki import AgencyCertificate, SchoolIdentity
from sharing.smime import signed_mime_entity

_BINARY = [pkcs7.PKCS7Options.Binary]
"""Binary mode: the MIME bytes are signed exactly as built, with no CRLF translation."""


@dataclass(frozen=True, slots=True)
class SealedPacket:
    """One sealing of a packet: the two encrypted forms and the SHA-256 the referral records.

    `der` is the `.p7m` (portals, HTTPS, `openssl cms`); `smime` is the encrypted body of the
    S/MIME mail. `sha256` is `signed_entity_sha256` of the SignedData both of them carry.
    """

    der: bytes = field(repr=False)
    smime: bytes = field(repr=False)
    sha256: str

    def for_channel(self, channel: str) -> bytes:
        """The form a transport carries: the S/MIME body by mail, the `.p7m` otherwise."""
        return self.smime if channel == "smtp" else self.der


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


def signed_entity_sha256(signed_der: bytes) -> str:
    """The SHA-256 (hex) a referral records: of the school's signed entity, the SignedData.

    Not of the ciphertext, which differs between the mail and the `.p7m` and is random each
    time: the signed entity is what the agency holds once it has decrypted either form
    (`signed.der` from `openssl cms -decrypt`; the decoded `smime.p7m` inside the mail), so it
    can check the school's record against what it received.
    """
    return hashlib.sha256(signed_der).hexdigest()


def _encrypt(content: bytes, recipient: AgencyCertificate) -> bytes:
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(content)
        .add_recipient(recipient.certificate)
        .set_content_encryption_algorithm(algorithms.AES256)
        .encrypt(serialization.Encoding.DER, _BINARY)
    )


def seal_packet(
    mime_bytes: bytes, school: SchoolIdentity, recipient: AgencyCertificate
) -> SealedPacket:
    """Sign the packet as the school once, then encrypt it to the one recipient twice: as the
    `.p7m` and as the S/MIME mail body."""
    signed = sign_packet(mime_bytes, school)
    return SealedPacket(
        der=_encrypt(signed, recipient),
        smime=_encrypt(signed_mime_entity(signed), recipient),
        sha256=signed_entity_sha256(signed),
    )


def open_packet(
    der: bytes, recipient_key: rsa.RSAPrivateKey, recipient_cert: AgencyCertificate
) -> bytes:
    """Decrypt a sealed packet with the agency's key: returns the school's SignedData (DER)
    for the `.p7m`, or the signed MIME entity for the S/MIME mail body.

    For tests and Python agencies; the signature is then checked with
    `openssl cms -verify` against the school's CA (cryptography cannot verify CMS signatures).
    """
    return pkcs7.pkcs7_decrypt_der(der, recipient_cert.certificate, recipient_key, [])
