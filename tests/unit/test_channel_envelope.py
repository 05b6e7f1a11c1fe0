"""The envelope a channel carries: ids safe for headers, a hash that matches, no bytes in logs."""

from __future__ import annotations

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


def envelope(**changes: Any) -> Envelope:
    base = Envelope.of(
        packet_id="pkt-1",
        referral_id="ref-1",
        school="Hillside Primary School",
        urgent=False,
        address="referrals@mash.example",
        sealed=SEALED,
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
        {"packet_sha256": "0" * 64},
        {"packet_sha256": "ABC"},
    ],
)
def test_envelope_that_could_inject_headers_or_carry_the_wrong_packet_is_refused(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(ValueError):
        envelope(**changes)


def test_envelope_repr_does_not_dump_the_sealed_packet() -> None:
    assert "sealed" not in repr(envelope())


def test_subject_and_message_id_carry_ids_school_and_urgency_only() -> None:
    routine, urgent = envelope(), envelope(urgent=True)

    assert subject_for(routine) == "Safeguarding referral ref-1 from Hillside Primary School"
    assert (
        subject_for(urgent) == "Safeguarding referral ref-1 from Hillside Primary School [URGENT]"
    )
    assert message_id_for(routine) == "<packet-pkt-1@safeshare>"


def test_mail_has_exactly_one_smime_attachment() -> None:
    message = build_message(envelope(), "dsl@school.example")

    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["application/pkcs7-mime"]
    assert attachments[0].get_filename() == "smime.p7m"
    assert attachments[0].get_payload(decode=True) == SEALED


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
