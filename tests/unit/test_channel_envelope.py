"""The envelope a channel carries: ids safe for headers, a well-formed hash, no bytes in logs."""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sharing.channels import (
    Envelope,
    PermanentDeliveryError,
    TlsSettings,
    TransientDeliveryError,
)
from sharing.channels.smtp import build_message, message_id_for, subject_for

SEALED = b"0\x82sealed-cms-bytes"
SIGNED_SHA256 = hashlib.sha256(b"the school's signed entity").hexdigest()


def envelope(**changes: Any) -> Envelope:
    base = Envelope.of(
        packet_id="pkt-1",
        referral_id="ref-1",
        school="Hillside Primary School",
        urgent=False,
        address="referrals@mash.example",
        sealed=SEALED,
        packet_sha256=SIGNED_SHA256,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"packet_id": "pkt-1\r\nBcc: someone@example.org"},
        {"referral_id": "ref 1"},
        {"referral_id": ""},
        {"school": "Hillside\r\nBcc: someone@example.org"},
        {"address": "a@b.example\nBcc: c@d.example"},
        {"sealed": b""},
        {"packet_sha256": "ABC"},
        {"packet_sha256": "A" * 64},
    ],
)
def test_envelope_that_could_inject_headers_or_carry_the_wrong_packet_is_refused(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(ValueError):
        envelope(**changes)


def test_envelope_repr_does_not_dump_the_sealed_packet() -> None:
    assert "sealed" not in repr(envelope())


def test_subject_carries_the_school_and_the_packet_id_only() -> None:
    routine, urgent = envelope(), envelope(urgent=True)

    assert subject_for(routine) == "Safeguarding referral pkt-1 from Hillside Primary School"
    assert subject_for(urgent) == subject_for(routine)
    assert message_id_for(routine) == "<packet-pkt-1@safeshare>"


def test_the_mail_is_an_rfc_8551_enveloped_data_message_and_nothing_else() -> None:
    message = build_message(envelope(urgent=True), "dsl@school.example")
    raw = message.as_bytes()

    assert not message.is_multipart()
    assert (
        b"\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
        in raw
    )
    assert message.get_filename() == "smime.p7m"
    assert message.get_payload(decode=True) == SEALED
    assert message["Importance"] == "high"
    assert message["X-Safeshare-Packet-SHA256"] == SIGNED_SHA256
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert all(len(line) <= 76 for line in body.split(b"\r\n")), "RFC 2045 base64 lines"


def test_delivery_errors_say_only_their_code() -> None:
    assert str(TransientDeliveryError("smtp-4xx")) == "smtp-4xx"
    assert PermanentDeliveryError("http-400").error_class == "http-400"


def test_tls_settings_without_a_ca_file_use_the_system_store_and_always_verify() -> None:
    context = TlsSettings().client_context()

    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_tls_settings_refuse_a_client_key_without_its_certificate() -> None:
    with pytest.raises(ValueError):
        TlsSettings(client_key=Path("school.key"))


def test_both_channels_are_channels() -> None:
    from sharing.channels import Channel, HttpsChannel, SmtpChannel

    with HttpsChannel(TlsSettings()) as https:
        assert isinstance(https, Channel)
    assert isinstance(SmtpChannel("mail.example", 25, "dsl@school.example", TlsSettings()), Channel)
