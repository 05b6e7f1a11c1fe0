"""Deliver a sealed packet by mail (SMTP with STARTTLS required).

Why these choices:
- STARTTLS is required and the server's certificate and host name are verified, so a packet
  never crosses the network to a server we have not authenticated. A server that does not
  offer STARTTLS is refused outright rather than sent to in the clear.
- `Message-ID` is derived from the packet id, so when a retry follows a lost reply the agency
  sees the same id twice and can drop the duplicate (DESIGN.md, "The event store is the
  outbox": at-least-once plus idempotency).
- The mail is an RFC 8551 S/MIME message (`sharing.smime`): the whole body is the packet
  enveloped to the agency (`application/pkcs7-mime; smime-type=enveloped-data`), so a mail
  client holding the agency's key shows the referral in its reading pane, with the school's
  signature marked valid. Nothing readable travels beside it: the headers outside the
  encryption are ids, the school's name and the urgency flag, never personal data.
- The subject carries the school and the packet id only; urgency goes in `Importance`.
- The receipt is the server's final reply to DATA, the point at which it took responsibility.
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

from sharing.channels.base import (
    Delivered,
    DeliveryError,
    Envelope,
    PermanentDeliveryError,
    TlsSettings,
    TransientDeliveryError,
    find_in_chain,
    tls_failure,
)
from sharing.smime import CONTENT_TYPE, ENVELOPED, SMIME_NAME, base64_lines

ATTACHMENT_NAME = SMIME_NAME

# Long single-token headers (the packet's SHA-256) must not be folded: some parsers keep the
# fold's leading space, and then an agency's hash check fails. RFC 5322 allows 998.
_POLICY = SMTP_POLICY.clone(max_line_length=998)


def subject_for(envelope: Envelope) -> str:
    """The subject line: the packet id and the school, never anything about the child."""
    return f"Safeguarding referral {envelope.packet_id} from {envelope.school}"


def message_id_for(envelope: Envelope) -> str:
    """A Message-ID the agency can dedupe on: the same packet always has the same id."""
    return f"<packet-{envelope.packet_id}@safeshare>"


def build_message(envelope: Envelope, sender: str) -> EmailMessage:
    """The S/MIME mail for one packet: the enveloped packet is the whole body.

    `envelope.sealed` must be the S/MIME form (`SealedPacket.smime`): CMS EnvelopedData whose
    content is the school's signed MIME entity.
    """
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = envelope.address
    message["Subject"] = subject_for(envelope)
    message["Message-ID"] = message_id_for(envelope)
    message["Date"] = formatdate(usegmt=True)
    message["X-Safeshare-Referral-Id"] = envelope.referral_id
    message["X-Safeshare-Packet-Id"] = envelope.packet_id
    message["X-Safeshare-Packet-SHA256"] = envelope.packet_sha256
    if envelope.urgent:
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    # Written out, not left to `set_content`: RFC 8551's exact parameters, and base64 in
    # RFC 2045 lines of 76 (the policy above lets long headers run to 998).
    message["MIME-Version"] = "1.0"
    message.set_raw("Content-Type", f"{CONTENT_TYPE}; smime-type={ENVELOPED}; name={SMIME_NAME}")
    message["Content-Transfer-Encoding"] = "base64"
    message.set_raw("Content-Disposition", f"attachment; filename={SMIME_NAME}")
    message.set_payload(base64_lines(envelope.sealed).decode("ascii"))
    return message


def _reply_error(code: int, stage: str) -> DeliveryError:
    """Map an SMTP reply code: 4xx means "try again later", 5xx means "never"."""
    if 400 <= code < 500:
        return TransientDeliveryError("smtp-4xx")
    if 500 <= code < 600:
        return PermanentDeliveryError("smtp-5xx")
    return TransientDeliveryError(f"smtp-unexpected-{stage}")


def _classify(exc: smtplib.SMTPException | OSError) -> DeliveryError:
    """Retry or escalate, from what smtplib raised (and what it wrapped)."""
    tls = tls_failure(exc, "smtp")
    if tls is not None:
        return tls
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return PermanentDeliveryError("smtp-auth-failed")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentDeliveryError("smtp-no-auth")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply_error(exc.smtp_code, "reply")
    # smtplib reports a read timeout as a disconnect; keep the two apart, because a timeout
    # after DATA is the "did it arrive?" case the agency's dedup on Message-ID is for.
    if find_in_chain(exc, TimeoutError) is not None:
        return TransientDeliveryError("timeout")
    if find_in_chain(exc, ConnectionRefusedError) is not None:
        return TransientDeliveryError("connection-refused")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TransientDeliveryError("connection-lost")
    return TransientDeliveryError("network-error")


class SmtpChannel:
    """Sends envelopes to agency mailboxes through one SMTP relay or MX.

    Sessions are kept open and reused (a worker delivering a run of referrals does one
    STARTTLS handshake, not one per packet): a session idle longer than `idle_seconds` is
    closed instead of reused; one that failed in any way is closed, never reused, so one bad
    exchange never poisons the next; and when a reused session turns out to have been dropped
    by the server before the message was sent, the packet goes once more on a fresh one.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        tls: TlsSettings,
        username: str | None = None,
        password: str | None = None,
        local_hostname: str | None = None,
        idle_seconds: float = 30.0,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        self._host = host
        self._port = port
        self._sender = sender
        self._tls = tls
        self._context = tls.client_context()
        self._username = username
        self._password = password
        self._local_hostname = local_hostname
        self._idle_seconds = idle_seconds
        self._idle: list[tuple[float, smtplib.SMTP]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SmtpChannel(host={self._host!r}, port={self._port})"

    def send(self, envelope: Envelope) -> Delivered:
        """Deliver one envelope; see the module docstring for what each failure means."""
        if "@" not in envelope.address:
            raise PermanentDeliveryError("smtp-bad-address")
        message = build_message(envelope, self._sender)
        return self._send_classified(envelope.address, message)

    def send_notice(self, recipient: str, message: EmailMessage) -> Delivered:
        """Send a notice the school writes itself (an alert to the DSL) over the same relay,
        STARTTLS and credentials as referrals; failures are classified as for a packet."""
        if "@" not in recipient:
            raise PermanentDeliveryError("smtp-bad-address")
        return self._send_classified(recipient, message)

    def close(self) -> None:
        """Close every idle session (a worker shutting down)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for _, smtp in idle:
            _quit_quietly(smtp)
            smtp.close()

    def _send_classified(self, recipient: str, message: EmailMessage) -> Delivered:
        data = message.as_bytes()
        smtp = self._take_idle()
        if smtp is not None:
            try:
                return self._transaction(smtp, recipient, data)
            except _DroppedBeforeData:
                pass  # the server had closed the idle session: once more, on a new one
            except (smtplib.SMTPException, OSError) as exc:
                raise _classify(exc) from exc
        try:
            return self._transaction(self._open(), recipient, data)
        except _DroppedBeforeData as dropped:
            cause = dropped.__cause__
            assert isinstance(cause, (smtplib.SMTPException, OSError))
            raise _classify(cause) from cause
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from exc

    def _take_idle(self) -> smtplib.SMTP | None:
        now = time.monotonic()
        stale: list[smtplib.SMTP] = []
        found: smtplib.SMTP | None = None
        with self._lock:
            while self._idle:
                since, smtp = self._idle.pop()
                if now - since <= self._idle_seconds:
                    found = smtp
                    break
                stale.append(smtp)
        for smtp in stale:
            _quit_quietly(smtp)
            smtp.close()
        return found

    def _open(self) -> smtplib.SMTP:
        # Connecting in the constructor is what sets the name STARTTLS verifies the
        # certificate against; a greeting other than 220 raises SMTPConnectError here.
        smtp = smtplib.SMTP(
            self._host,
            self._port,
            timeout=self._tls.timeout_seconds,
            local_hostname=self._local_hostname,
        )
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise PermanentDeliveryError("smtp-no-starttls")
            smtp.starttls(context=self._context)
            smtp.ehlo()
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _transaction(self, smtp: smtplib.SMTP, recipient: str, data: bytes) -> Delivered:
        """One MAIL/RCPT/DATA on an open session; the session goes back to the idle list
        only when the whole exchange succeeded."""
        try:
            try:
                code, _ = smtp.mail(self._sender)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                raise _DroppedBeforeData from exc
            if code != 250:
                raise _reply_error(code, "mail")
            code, _ = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _reply_error(code, "rcpt")
            code, reply = smtp.data(data)
            if code != 250:
                raise _reply_error(code, "data")
        except BaseException:
            smtp.close()
            raise
        receipt = f"{code} {reply.decode('utf-8', 'replace')}".strip()
        with self._lock:
            self._idle.append((time.monotonic(), smtp))
        return Delivered(receipt=receipt[:500])


class _DroppedBeforeData(Exception):
    """The session was gone before MAIL FROM was accepted: nothing was sent on it."""


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye; the server has already accepted the message, so a failed QUIT is no
    reason to report the packet undelivered."""
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.quit()
