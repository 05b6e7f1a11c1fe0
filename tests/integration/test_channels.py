"""The SMTP and HTTPS channels against real servers on loopback (no mocks).

Each test reads what the agency actually received, because what matters to a child is what
arrived at MASH, not what our code believes it sent.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest
import trustme

from safeshare.demo.agencies import AgencyPki, AgencyProcess, HttpsAgency, SmtpAgency, free_port
from sharing.channels import (
    Delivered,
    Envelope,
    HttpsChannel,
    PermanentDeliveryError,
    SmtpChannel,
    TlsSettings,
    TransientDeliveryError,
)

SCHOOL = "Hillside Primary School"
SENDER = "dsl@hillside.school.example"
MASH_MAILBOX = "referrals@mash.agency.example"
# DER-ish bytes that would break a careless transport: CR/LF, a lone dot line, NULs, 8-bit.
SEALED = b"0\x82\x04\x00" + bytes(range(256)) * 4 + b"\r\n.\r\n\x00"
SIGNED_SHA256 = hashlib.sha256(b"the school's signed entity").hexdigest()


def make_envelope(address: str, *, urgent: bool = False) -> Envelope:
    return Envelope.of(
        packet_id=f"pkt-{uuid4().hex}",
        referral_id=f"ref-{uuid4().hex}",
        school=SCHOOL,
        urgent=urgent,
        address=address,
        sealed=SEALED,
        packet_sha256=SIGNED_SHA256,
    )


def smtp_channel(
    agency: SmtpAgency, tls: TlsSettings, username: str | None = None, password: str | None = None
) -> SmtpChannel:
    return SmtpChannel(agency.host, agency.port, SENDER, tls, username=username, password=password)


# --- SMTP ---------------------------------------------------------------------------------


def test_referral_mailed_to_agency_arrives_whole_with_dedup_id_and_receipt(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    envelope = make_envelope(MASH_MAILBOX)

    delivered = smtp_channel(smtp_agency, tls_settings).send(envelope)

    assert delivered == Delivered(receipt="250 2.0.0 Message accepted as agency-mail-1")
    [mail] = smtp_agency.messages
    assert mail.message_id == f"<packet-{envelope.packet_id}@safeshare>"
    assert mail.subject == f"Safeguarding referral {envelope.packet_id} from {SCHOOL}"
    assert mail.attachment == SEALED
    assert mail.attachment_type == "application/pkcs7-mime"
    assert mail.attachment_params == {"smime-type": "enveloped-data", "name": "smime.p7m"}
    assert mail.message["To"] == MASH_MAILBOX
    assert mail.message["X-Safeshare-Packet-SHA256"] == envelope.packet_sha256
    assert mail.message["Importance"] is None


def test_urgent_referral_is_marked_important_and_its_subject_says_nothing_about_the_child(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    envelope = make_envelope(MASH_MAILBOX, urgent=True)

    smtp_channel(smtp_agency, tls_settings).send(envelope)

    [mail] = smtp_agency.messages
    assert mail.subject == f"Safeguarding referral {envelope.packet_id} from {SCHOOL}"
    assert mail.message["Importance"] == "high"


def test_mail_is_recorded_on_disk_by_the_agency(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    from safeshare.demo.agencies import read_recorded_mail

    envelope = make_envelope(MASH_MAILBOX)
    smtp_channel(smtp_agency, tls_settings).send(envelope)

    assert smtp_agency.record_dir is not None
    [mail] = read_recorded_mail(smtp_agency.record_dir)
    assert mail.attachment == SEALED


def test_resent_packet_keeps_its_message_id_so_the_agency_can_drop_the_duplicate(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    envelope = make_envelope(MASH_MAILBOX)
    channel = smtp_channel(smtp_agency, tls_settings)

    channel.send(envelope)
    channel.send(envelope)

    assert len(smtp_agency.messages) == 2
    assert smtp_agency.distinct_message_ids == 1


def test_agency_mail_server_with_certificate_from_another_ca_is_refused(
    rogue_pki: AgencyPki, tls_settings: TlsSettings
) -> None:
    """Permanent, not transient: an untrusted certificate means the directory, the trust
    store or the network path is wrong (or someone is impersonating the agency). Retrying
    will not fix that and would hide it; the DSL must hear at once and route the referral
    another way."""
    with SmtpAgency(rogue_pki.server_context()) as impostor:
        with pytest.raises(PermanentDeliveryError) as failure:
            smtp_channel(impostor, tls_settings).send(make_envelope(MASH_MAILBOX))
        assert impostor.messages == []
    assert failure.value.error_class == "smtp-tls-failed"


def test_agency_mail_server_without_starttls_is_refused(tls_settings: TlsSettings) -> None:
    with SmtpAgency(None) as plaintext_only:
        with pytest.raises(PermanentDeliveryError) as failure:
            smtp_channel(plaintext_only, tls_settings).send(make_envelope(MASH_MAILBOX))
        assert plaintext_only.messages == []
    assert failure.value.error_class == "smtp-no-starttls"


def test_mail_server_saying_try_later_is_retried_and_then_delivered_once(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    smtp_agency.fail_next(1, 451)
    envelope = make_envelope(MASH_MAILBOX)
    channel = smtp_channel(smtp_agency, tls_settings)

    with pytest.raises(TransientDeliveryError) as failure:
        channel.send(envelope)
    channel.send(envelope)

    assert failure.value.error_class == "smtp-4xx"
    assert smtp_agency.distinct_message_ids == 1


def test_mail_server_rejecting_the_message_escalates_at_once(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    smtp_agency.fail_next(1, 554)

    with pytest.raises(PermanentDeliveryError) as failure:
        smtp_channel(smtp_agency, tls_settings).send(make_envelope(MASH_MAILBOX))

    assert failure.value.error_class == "smtp-5xx"
    assert smtp_agency.messages == []


def test_mail_server_not_listening_is_retried(tls_settings: TlsSettings) -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), SENDER, tls_settings)

    with pytest.raises(TransientDeliveryError) as failure:
        channel.send(make_envelope(MASH_MAILBOX))

    assert failure.value.error_class == "connection-refused"


def test_mail_server_requiring_auth_accepts_the_school_and_refuses_a_wrong_password(
    agency_pki: AgencyPki, tls_settings: TlsSettings
) -> None:
    with SmtpAgency(agency_pki.server_context(), credentials=("hillside", "s3cret")) as agency:
        good = smtp_channel(agency, tls_settings, username="hillside", password="s3cret")
        bad = smtp_channel(agency, tls_settings, username="hillside", password="wrong")
        anonymous = smtp_channel(agency, tls_settings)

        assert good.send(make_envelope(MASH_MAILBOX)).receipt.startswith("250 ")
        with pytest.raises(PermanentDeliveryError) as wrong_password:
            bad.send(make_envelope(MASH_MAILBOX))
        with pytest.raises(PermanentDeliveryError) as no_auth:
            anonymous.send(make_envelope(MASH_MAILBOX))

    assert wrong_password.value.error_class == "smtp-auth-failed"
    assert no_auth.value.error_class == "smtp-5xx"
    assert len(agency.messages) == 1


def test_reply_lost_after_data_is_retried_and_the_agency_sees_one_packet(
    smtp_agency: SmtpAgency, agency_pki: AgencyPki
) -> None:
    """The ambiguous case the outbox design is for: the agency got the packet but its reply
    never came back. The channel must call it transient (retry), and the retry must carry the
    same Message-ID so the agency keeps one copy."""
    impatient = TlsSettings(ca_file=agency_pki.ca_file, timeout_seconds=0.5)
    channel = smtp_channel(smtp_agency, impatient)
    envelope = make_envelope(MASH_MAILBOX)
    smtp_agency.hold_data()

    with pytest.raises(TransientDeliveryError) as failure:
        channel.send(envelope)
    assert smtp_agency.data_waiting.is_set()
    smtp_agency.release_data()
    channel.send(envelope)

    assert failure.value.error_class == "timeout"
    assert smtp_agency.distinct_message_ids == 1


def test_referrals_to_one_mail_server_go_on_one_session(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    """A worker delivering a run of referrals does one STARTTLS handshake, not one each."""
    channel = smtp_channel(smtp_agency, tls_settings)

    receipts = [channel.send(make_envelope(MASH_MAILBOX)).receipt for _ in range(3)]

    assert receipts == [f"250 2.0.0 Message accepted as agency-mail-{i}" for i in (1, 2, 3)]
    assert smtp_agency.sessions == 1
    channel.close()


def test_a_session_left_idle_too_long_is_not_reused(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    channel = SmtpChannel(smtp_agency.host, smtp_agency.port, SENDER, tls_settings, idle_seconds=0)

    channel.send(make_envelope(MASH_MAILBOX))
    channel.send(make_envelope(MASH_MAILBOX))

    assert smtp_agency.sessions == 2


def test_a_session_the_mail_server_dropped_is_replaced_and_the_referral_arrives_once(
    agency_pki: AgencyPki, tls_settings: TlsSettings
) -> None:
    """The agency's server restarts between two referrals: the kept session is dead, and the
    next referral goes on a new one instead of failing."""
    port = free_port()
    with SmtpAgency(agency_pki.server_context(), port=port) as before:
        channel = SmtpChannel(before.host, port, SENDER, tls_settings)
        channel.send(make_envelope(MASH_MAILBOX))
    with SmtpAgency(agency_pki.server_context(), port=port) as after:
        envelope = make_envelope(MASH_MAILBOX)
        delivered = channel.send(envelope)
        [mail] = after.messages

    assert delivered.receipt == "250 2.0.0 Message accepted as agency-mail-1"
    assert mail.message_id == f"<packet-{envelope.packet_id}@safeshare>"


def test_a_session_that_failed_is_not_reused(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    smtp_agency.fail_next(1, 451)
    channel = smtp_channel(smtp_agency, tls_settings)

    with pytest.raises(TransientDeliveryError):
        channel.send(make_envelope(MASH_MAILBOX))
    channel.send(make_envelope(MASH_MAILBOX))
    channel.send(make_envelope(MASH_MAILBOX))

    assert smtp_agency.sessions == 2  # the refused one's, and a new one after it
    assert len(smtp_agency.messages) == 2


def test_agency_mail_server_runs_as_its_own_process_and_holds_data_until_released(
    agency_pki: AgencyPki, tls_settings: TlsSettings, tmp_path: Path
) -> None:
    record_dir = tmp_path / "agency-process"
    with AgencyProcess(
        "smtp", agency_pki.server_pem, record_dir, extra_args=("--hold-data",)
    ) as agency:
        channel = SmtpChannel(agency.host, agency.port, SENDER, tls_settings)
        envelope = make_envelope(MASH_MAILBOX)
        outcome: list[Delivered] = []
        sender = threading.Thread(target=lambda: outcome.append(channel.send(envelope)))
        sender.start()
        agency.wait_until_data_held()
        assert agency.mail() == []
        agency.release_data()
        sender.join(timeout=10)

        [mail] = agency.mail()
    assert outcome and outcome[0].receipt.startswith("250 ")
    assert mail.message_id == f"<packet-{envelope.packet_id}@safeshare>"
    assert mail.attachment == SEALED


# --- HTTPS --------------------------------------------------------------------------------


@pytest.fixture
def https_channel(tls_settings: TlsSettings) -> HttpsChannel:
    return HttpsChannel(tls_settings)


def test_referral_posted_to_agency_is_delivered_with_its_receipt(
    https_agency: HttpsAgency, https_channel: HttpsChannel
) -> None:
    envelope = make_envelope(https_agency.url)

    with https_channel:
        delivered = https_channel.send(envelope)

    assert delivered == Delivered(receipt="agency-receipt-1")
    [post] = https_agency.delivered
    assert post.idempotency_key == envelope.referral_id
    assert post.packet_id == envelope.packet_id
    assert post.packet_sha256 == envelope.packet_sha256
    assert post.content_type == "application/pkcs7-mime; smime-type=enveloped-data"
    assert post.body == SEALED


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_agency_asking_us_to_come_back_later_is_retried(
    https_agency: HttpsAgency, https_channel: HttpsChannel, status: int
) -> None:
    https_agency.fail_next(1, status)
    envelope = make_envelope(https_agency.url)

    with https_channel:
        with pytest.raises(TransientDeliveryError) as failure:
            https_channel.send(envelope)
        https_channel.send(envelope)

    assert failure.value.error_class == f"http-{status}"
    assert https_agency.distinct_idempotency_keys == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_agency_refusing_the_packet_escalates_at_once(
    https_agency: HttpsAgency, https_channel: HttpsChannel, status: int
) -> None:
    https_agency.fail_next(1, status)

    with https_channel, pytest.raises(PermanentDeliveryError) as failure:
        https_channel.send(make_envelope(https_agency.url))

    assert failure.value.error_class == f"http-{status}"
    assert https_agency.delivered == []


def test_agency_endpoint_not_listening_is_retried(https_channel: HttpsChannel) -> None:
    url = f"https://127.0.0.1:{free_port()}/referrals"

    with https_channel, pytest.raises(TransientDeliveryError) as failure:
        https_channel.send(make_envelope(url))

    assert failure.value.error_class == "connection-refused"


def test_agency_that_goes_down_and_comes_back_gets_the_referral_once(
    https_agency: HttpsAgency, https_channel: HttpsChannel
) -> None:
    envelope = make_envelope(https_agency.url)
    with https_channel:
        https_channel.send(make_envelope(https_agency.url))  # a kept-alive connection
        https_agency.go_down()
        with pytest.raises(TransientDeliveryError):
            https_channel.send(envelope)
        https_agency.come_back()
        https_channel.send(envelope)

    assert [p.idempotency_key for p in https_agency.delivered][-1] == envelope.referral_id
    assert https_agency.distinct_idempotency_keys == 2


def test_agency_hanging_up_without_answering_is_retried(
    https_agency: HttpsAgency, https_channel: HttpsChannel
) -> None:
    https_agency.drop_next(1)

    with https_channel, pytest.raises(TransientDeliveryError) as failure:
        https_channel.send(make_envelope(https_agency.url))

    assert failure.value.error_class == "network-error"


def test_agency_endpoint_with_certificate_from_another_ca_is_refused(
    rogue_pki: AgencyPki, https_channel: HttpsChannel
) -> None:
    """Permanent for the same reason as for mail: see the SMTP test above."""
    with HttpsAgency(rogue_pki.server_context()) as impostor, https_channel:
        with pytest.raises(PermanentDeliveryError) as failure:
            https_channel.send(make_envelope(impostor.url))
        assert impostor.received == []
    assert failure.value.error_class == "https-tls-failed"


def test_plain_http_address_is_refused_without_connecting(
    https_agency: HttpsAgency, https_channel: HttpsChannel
) -> None:
    plain = make_envelope(https_agency.url.replace("https://", "http://"))

    with https_channel, pytest.raises(PermanentDeliveryError) as failure:
        https_channel.send(plain)

    assert failure.value.error_class == "https-bad-address"
    assert https_agency.received == []


def test_envelope_cannot_be_built_with_a_malformed_packet_hash() -> None:
    """The hash is the signed entity's (issue 17), which a channel cannot see inside the
    ciphertext; it must still be a SHA-256, or the agency could never check it."""
    good = make_envelope(MASH_MAILBOX)
    with pytest.raises(ValueError, match="packet_sha256"):
        replace(good, packet_sha256=good.packet_sha256[:-1])


def test_receipt_is_the_response_body_when_the_agency_sends_no_receipt_header(
    https_agency: HttpsAgency, https_channel: HttpsChannel
) -> None:
    https_agency.receipt_in_header = False

    with https_channel:
        delivered = https_channel.send(make_envelope(https_agency.url))

    assert delivered.receipt == '{"receipt": "agency-receipt-1"}'


@pytest.fixture
def school_identity(tmp_path: Path) -> tuple[Path, Path]:
    """A school client certificate (key + chain PEM) and the CA an agency trusts it by."""
    school_ca = trustme.CA(organization_name="safeshare test school CA")
    leaf = school_ca.issue_cert("hillside.school.example", common_name="hillside.school.example")
    identity, ca_file = tmp_path / "school.pem", tmp_path / "school-ca.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(identity))
    school_ca.cert_pem.write_to_path(str(ca_file))
    return identity, ca_file


def test_agency_requiring_a_client_certificate_gets_the_schools_and_refuses_none(
    agency_pki: AgencyPki, school_identity: tuple[Path, Path]
) -> None:
    """Refused-without-certificate is permanent: the school's TLS settings are wrong, and
    only a person can fix that."""
    identity, school_ca_file = school_identity
    server_tls = agency_pki.server_context()
    server_tls.verify_mode = ssl.CERT_REQUIRED
    server_tls.load_verify_locations(school_ca_file)
    with_cert = TlsSettings(ca_file=agency_pki.ca_file, client_cert=identity, timeout_seconds=5)
    without_cert = TlsSettings(ca_file=agency_pki.ca_file, timeout_seconds=5)

    with HttpsAgency(server_tls) as agency:
        with HttpsChannel(with_cert) as channel:
            assert channel.send(make_envelope(agency.url)).receipt == "agency-receipt-1"
        with HttpsChannel(without_cert) as channel, pytest.raises(PermanentDeliveryError) as no:
            channel.send(make_envelope(agency.url))

    assert [p.client_subject for p in agency.received] == ["hillside.school.example"]
    assert no.value.error_class == "https-client-cert-refused"


def test_school_name_outside_ascii_survives_the_subject_line(
    smtp_agency: SmtpAgency, tls_settings: TlsSettings
) -> None:
    envelope = replace(
        make_envelope(MASH_MAILBOX, urgent=True), school="Ysgol Gynradd Llŷn & St Mary's"
    )

    smtp_channel(smtp_agency, tls_settings).send(envelope)

    [mail] = smtp_agency.messages
    assert mail.subject == (
        f"Safeguarding referral {envelope.packet_id} from Ysgol Gynradd Llŷn & St Mary's"
    )


def test_agency_endpoint_runs_as_its_own_process_and_records_to_disk(
    agency_pki: AgencyPki, tls_settings: TlsSettings, tmp_path: Path
) -> None:
    record_dir = tmp_path / "https-agency-process"
    envelope = make_envelope("placeholder@invalid")

    with AgencyProcess("https", agency_pki.server_pem, record_dir) as agency:
        envelope = replace(envelope, address=agency.url)
        with HttpsChannel(tls_settings) as channel:
            delivered = channel.send(envelope)
        [post] = agency.posts()

    assert delivered.receipt == "agency-receipt-1"
    assert post.idempotency_key == envelope.referral_id
    assert post.body == SEALED
