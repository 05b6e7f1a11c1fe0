"""The MIME shapes of RFC 8551 S/MIME that a referral mail is built from.

A referral mail is `application/pkcs7-mime; smime-type=enveloped-data`; decrypted, it is the
school's signed entity, `application/pkcs7-mime; smime-type=signed-data` (opaque signing), whose
content, once the signature is checked, is the packet's own MIME (`sharing.packet`).

Why opaque `signed-data` rather than `multipart/signed` inside the envelope:
- It is the very SignedData the `.p7m` for portals carries, so one signature serves both ways
  a packet travels and the recorded SHA-256 (`sharing.cms.signed_entity_sha256`) is the same.
- The packet's parts are raw UTF-8 (`Content-Transfer-Encoding: binary`) and are signed byte
  for byte. `multipart/signed` signs the content as it appears in the mail, so it must be
  re-encoded to 7 bit and canonicalised first (RFC 8551 3.1.1), and any client or gateway that
  re-folds a header or rewrites a line ending breaks the signature; inside CMS nothing can.
- The one advantage of `multipart/signed`, that a client without S/MIME can still read it, is
  void inside an envelope that only an S/MIME client can open. Outlook, Thunderbird, Apple Mail
  and NSS / OpenSSL all open an opaque-signed entity and show the signature's status.
"""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

SMIME_NAME = "smime.p7m"
CONTENT_TYPE = "application/pkcs7-mime"
ENVELOPED = "enveloped-data"
SIGNED = "signed-data"


def base64_lines(data: bytes) -> bytes:
    """RFC 2045 base64: lines of 76 characters, CRLF-terminated."""
    encoded = base64.b64encode(data)
    return b"".join(encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76))


def signed_mime_entity(signed_der: bytes) -> bytes:
    """The school's signed MIME entity (canonical CRLF form) around a CMS SignedData (DER).

    Deterministic: the same SignedData always gives the same bytes.
    """
    return b"".join(
        (
            f"Content-Type: {CONTENT_TYPE}; smime-type={SIGNED}; name={SMIME_NAME}\r\n".encode(),
            b"Content-Transfer-Encoding: base64\r\n",
            f"Content-Disposition: attachment; filename={SMIME_NAME}\r\n".encode(),
            b"\r\n",
            base64_lines(signed_der),
        )
    )


def signed_data_of(entity: bytes) -> bytes:
    """The SignedData (DER) inside a decrypted signed MIME entity, as a mail client reads it.

    Raises `ValueError` if the entity is not an opaque S/MIME signed-data part.
    """
    message = BytesParser(policy=policy.default).parsebytes(entity)
    assert isinstance(message, EmailMessage)
    if (
        message.get_content_type() != CONTENT_TYPE
        or message.get_param("smime-type", header="Content-Type") != SIGNED
    ):
        raise ValueError("not an application/pkcs7-mime; smime-type=signed-data entity")
    payload = message.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        raise ValueError("the signed-data entity has no content")
    return payload
