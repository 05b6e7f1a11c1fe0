"""An agency mail server on loopback: aiosmtpd with STARTTLS required.

It records what arrives (in memory and, optionally, one `.eml` file per message), can refuse
the next few messages with a chosen reply code, and can hold DATA open until released so a
test can kill the sender while the packet is in flight.
"""

from __future__ import annotations

import asyncio
import email
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from safeshare.demo.agencies.certs import AGENCY_HOST, free_port
from safeshare.demo.agencies.recording import recorded_files, write_atomically

_REPLIES = {
    421: "421 4.3.2 Service shutting down, try again later",
    450: "450 4.2.0 Mailbox busy, try again later",
    451: "451 4.3.0 Local error in processing, try again later",
    452: "452 4.3.1 Insufficient storage, try again later",
    550: "550 5.1.1 Mailbox unavailable",
    552: "552 5.3.4 Message too big",
    554: "554 5.6.0 Transaction failed: message rejected",
}


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the agency got it."""

    message_id: str
    subject: str
    attachment: bytes | None
    attachment_type: str | None
    attachment_params: dict[str, str]
    message: EmailMessage
    raw: bytes

    @classmethod
    def parse(cls, raw: bytes) -> ReceivedMail:
        """Parse a raw message and pull out the parts tests and dedup care about.

        `attachment` is the S/MIME body as a mail client extracts it: the whole body of an
        RFC 8551 message (`application/pkcs7-mime` at the top), or else the first
        `application/pkcs7-mime` attachment of a multipart mail.
        """
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        attachment: bytes | None = None
        attachment_type: str | None = None
        attachment_params: dict[str, str] = {}
        top = [message] if message.get_content_type() == "application/pkcs7-mime" else []
        for part in [*top, *message.iter_attachments()]:
            if part.get_content_type() == "application/pkcs7-mime":
                payload = part.get_payload(decode=True)
                attachment = payload if isinstance(payload, bytes) else None
                attachment_type = part.get_content_type()
                attachment_params = dict(part["Content-Type"].params)
                break
        return cls(
            message_id=str(message["Message-ID"] or ""),
            subject=str(message["Subject"] or ""),
            attachment=attachment,
            attachment_type=attachment_type,
            attachment_params=attachment_params,
            message=message,
            raw=raw,
        )


def read_recorded_mail(directory: Path) -> list[ReceivedMail]:
    """Messages an agency (in this process or another) wrote to `directory`, oldest first."""
    return [ReceivedMail.parse(p.read_bytes()) for p in recorded_files(directory, ".eml")]


class SmtpAgency:
    """A loopback SMTP server that behaves like an agency's mail endpoint.

    `starttls=False` gives a server that offers no STARTTLS (the channel must refuse it).
    `credentials=(user, password)` requires AUTH after STARTTLS.
    """

    def __init__(
        self,
        tls: ssl.SSLContext | None,
        *,
        port: int | None = None,
        record_dir: Path | None = None,
        credentials: tuple[str, str] | None = None,
        on_data_held: Callable[[], None] | None = None,
    ) -> None:
        self.host = AGENCY_HOST
        self.port = port or free_port()
        self.record_dir = record_dir
        self.data_gate = threading.Event()
        """Set while DATA may complete; clear it (`hold_data`) to make DATA wait."""
        self.data_gate.set()
        self.data_waiting = threading.Event()
        """Set once a DATA has arrived and is waiting at the closed gate."""
        self._on_data_held = on_data_held
        self._credentials = credentials
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._peers: list[object] = []
        self._failures: list[int] = []
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="agency.test",
            **kwargs,
        )

    def start(self) -> SmtpAgency:
        """Start listening (in a background thread with its own event loop)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Release any held DATA and stop listening."""
        self.data_gate.set()
        self._controller.stop()

    def __enter__(self) -> SmtpAgency:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def hold_data(self) -> None:
        """Make every DATA wait, after the message is received but before the reply."""
        self.data_waiting.clear()
        self.data_gate.clear()

    def release_data(self) -> None:
        """Let held and future DATA complete."""
        self.data_gate.set()

    def fail_next(self, n: int, code: int) -> None:
        """Answer the next `n` messages with `code` (451 = try later, 554 = rejected)."""
        if code not in _REPLIES:
            raise ValueError(f"no canned reply for {code}; use one of {sorted(_REPLIES)}")
        with self._lock:
            self._failures.extend([code] * n)

    @property
    def messages(self) -> list[ReceivedMail]:
        """Messages accepted so far (in memory, this process only)."""
        with self._lock:
            return list(self._messages)

    @property
    def distinct_message_ids(self) -> int:
        """How many different packets arrived: what an agency that dedupes would see."""
        return len({m.message_id for m in self.messages})

    @property
    def sessions(self) -> int:
        """How many SMTP sessions (client connections) sent a message (accepted or not)."""
        with self._lock:
            return len(set(self._peers))

    def _take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _accept(self, raw: bytes) -> str:
        mail = ReceivedMail.parse(raw)
        with self._lock:
            self._messages.append(mail)
            number = len(self._messages)
        if self.record_dir is not None:
            write_atomically(self.record_dir, ".eml", raw)
        return f"250 2.0.0 Message accepted as agency-mail-{number}"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            self._credentials is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == self._credentials
        )
        return AuthResult(success=ok, handled=False)

    async def _handle_data(self, session: Session, envelope: Envelope) -> str:
        if not self.data_gate.is_set():
            self.data_waiting.set()
            if self._on_data_held is not None:
                self._on_data_held()
            while not self.data_gate.is_set():
                await asyncio.sleep(0.02)
        with self._lock:
            self._peers.append(session.peer)
        failure = self._take_failure()
        if failure is not None:
            return _REPLIES[failure]
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        return self._accept(raw)


class _Handler:
    """aiosmtpd's hook object; the agency holds the behaviour."""

    def __init__(self, agency: SmtpAgency) -> None:
        self._agency = agency

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self._agency._handle_data(session, envelope)
