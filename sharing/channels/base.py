"""What every transport channel takes, returns and raises.

A channel moves one sealed referral packet to one agency. It sees only what it needs to do
that: ids, the school's name, the urgency flag, the agency's address and the sealed bytes.
It never sees personal data, so nothing it logs, raises or puts in a header can leak any
(DESIGN.md, "Personal data at rest"; "Task messages carry ids only").

The dispatch worker decides what to do with a failure from its type alone: a
`TransientDeliveryError` is retried, a `PermanentDeliveryError` is escalated to the DSL at
once, because retrying it would only hide a referral that will never arrive ("A referral is
never silently dropped").
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_E = TypeVar("_E", bound=BaseException)

PEER_REFUSED_OUR_CERTIFICATE = frozenset(
    {
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
    }
)
"""TLS alerts by which an agency says it does not accept the school's client certificate (or
the lack of one): a configuration problem for a person to fix, so never worth retrying."""


@dataclass(frozen=True)
class Envelope:
    """One sealed packet addressed to one agency, with the few plain facts a transport needs.

    The ids go into mail and HTTP headers (`Message-ID`, `Idempotency-Key`), so they are held
    to a small safe alphabet: no header injection, and an agency can use them as dedup keys.
    The school's name goes into a subject line, so it may not contain line breaks.
    `sealed` is the form this envelope's channel carries (`SealedPacket.for_channel`: the
    encrypted S/MIME body by mail, the `.p7m` by HTTPS). `packet_sha256` is the SHA-256 of the
    school's signed entity inside it (`sharing.cms.signed_entity_sha256`), the one the
    referral records and the agency can recompute once it has decrypted either form.
    """

    packet_id: str
    referral_id: str
    school: str
    urgent: bool
    address: str
    sealed: bytes = field(repr=False)
    packet_sha256: str

    def __post_init__(self) -> None:
        for name in ("packet_id", "referral_id"):
            if not _SAFE_ID.fullmatch(getattr(self, name)):
                raise ValueError(f"{name} must be 1-128 letters, digits, '.', '_' or '-'")
        if not self.school.strip() or _has_line_break(self.school):
            raise ValueError("school must be a non-empty single line")
        if not self.address or _has_line_break(self.address):
            raise ValueError("address must be a non-empty single line")
        if not self.sealed:
            raise ValueError("sealed packet is empty")
        if not _SHA256_HEX.fullmatch(self.packet_sha256):
            raise ValueError("packet_sha256 must be 64 lower-case hex digits")

    @classmethod
    def of(
        cls,
        *,
        packet_id: str,
        referral_id: str,
        school: str,
        urgent: bool,
        address: str,
        sealed: bytes,
        packet_sha256: str,
    ) -> Envelope:
        """Build an envelope (keyword arguments only, so no two ids are swapped)."""
        return cls(
            packet_id=packet_id,
            referral_id=referral_id,
            school=school,
            urgent=urgent,
            address=address,
            sealed=sealed,
            packet_sha256=packet_sha256,
        )


def _has_line_break(text: str) -> bool:
    return any(ch in text for ch in "\r\n\x00") or len(text.splitlines()) > 1


@dataclass(frozen=True)
class Delivered:
    """The agency accepted the packet; `receipt` is its own words for that, kept as evidence."""

    receipt: str


class DeliveryError(Exception):
    """A packet was not (or not provably) delivered.

    `error_class` is a short, stable, non-personal code (`smtp-4xx`, `http-500`, `timeout`)
    that is safe to record in a `Referral` event, log and count. The message is the code and
    nothing else, so no server text or address ends up in logs by accident.
    """

    def __init__(self, error_class: str) -> None:
        super().__init__(error_class)
        self.error_class = error_class


class TransientDeliveryError(DeliveryError):
    """Worth retrying: the agency or the network may recover (4xx mail replies, 5xx HTTP,
    timeouts, refused connections). Retrying is safe because agencies dedupe on the packet's
    Message-ID / the referral's Idempotency-Key."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (a rejected packet, a misconfigured or untrusted endpoint), so
    the referral is escalated to the DSL at once rather than retried until its deadline."""


@runtime_checkable
class Channel(Protocol):
    """A way to get a sealed packet to an agency (SMTP, HTTPS)."""

    def send(self, envelope: Envelope) -> Delivered:
        """Deliver the envelope, or raise `TransientDeliveryError` / `PermanentDeliveryError`."""
        ...


@dataclass(frozen=True)
class TlsSettings:
    """How channels verify agencies and, optionally, prove who the school is.

    `ca_file` is what `SAFESHARE_TLS_CA_FILE` points to; when it is None the system trust store
    is used. A client certificate is for agencies that require mutual TLS.
    """

    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key given without client_cert")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that verifies the server's certificate and host name.

        Built with `ssl.create_default_context`, so verification and host-name checks are on
        and there is no switch here to turn them off: a referral is never sent to a server we
        cannot authenticate. TLS 1.2 is the floor.
        """
        if self.ca_file is None:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        else:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.client_cert is not None:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context


def find_in_chain(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of `kind` in `exc`'s cause/context chain. Libraries (smtplib,
    httpx) wrap the socket and ssl errors that tell us whether to retry."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def tls_failure(exc: BaseException, protocol: str) -> DeliveryError | None:
    """Classify a TLS failure somewhere in `exc`'s chain, or None if there is none.

    Our refusal of the agency's certificate and the agency's refusal of ours are permanent:
    the trust store, the directory entry or the school's certificate is wrong, or someone is
    impersonating the agency, and retrying would only delay the DSL hearing about it. Other
    TLS errors (a handshake cut short) are treated like any network error: transient.
    """
    if find_in_chain(exc, ssl.SSLCertVerificationError) is not None:
        return PermanentDeliveryError(f"{protocol}-tls-failed")
    ssl_error = find_in_chain(exc, ssl.SSLError)
    if ssl_error is None:
        return None
    if ssl_error.reason in PEER_REFUSED_OUR_CERTIFICATE:
        return PermanentDeliveryError(f"{protocol}-client-cert-refused")
    return TransientDeliveryError(f"{protocol}-tls-error")
