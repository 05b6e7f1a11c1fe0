"""Deliver a sealed packet by HTTPS POST to an agency's endpoint.

Why these choices:
- `Idempotency-Key` is the referral id, so a retry after a lost response is recognised by the
  agency as the same referral (DESIGN.md, "The event store is the outbox").
- The server's certificate is verified against the configured trust store; plain `http://`
  addresses are refused, and redirects are not followed, so the packet only ever goes to the
  endpoint the directory names, over an authenticated connection.
- Status codes decide retry or escalation: 2xx delivered; 408, 429 and 5xx are the agency
  asking us to come back later; any other status will not change by retrying, so it is
  escalated to the DSL at once.
- `trust_env` is off: proxy and CA variables in the environment must not silently change
  where a referral goes or whom we trust.
"""

from __future__ import annotations

from types import TracebackType
from urllib.parse import urlsplit

import httpx

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

CONTENT_TYPE = "application/pkcs7-mime; smime-type=enveloped-data"
RECEIPT_LIMIT = 500
_BODY_LIMIT = 64 * 1024
_RETRY_STATUSES = frozenset({408, 429})


def _status_error(status: int) -> DeliveryError:
    if status in _RETRY_STATUSES or 500 <= status < 600:
        return TransientDeliveryError(f"http-{status}")
    return PermanentDeliveryError(f"http-{status}")


def _transport_error(exc: httpx.TransportError) -> DeliveryError:
    tls = tls_failure(exc, "https")
    if tls is not None:
        return tls
    if isinstance(exc, httpx.TimeoutException):
        return TransientDeliveryError("timeout")
    if find_in_chain(exc, ConnectionRefusedError) is not None:
        return TransientDeliveryError("connection-refused")
    if isinstance(exc, httpx.ConnectError):
        return TransientDeliveryError("connect-failed")
    return TransientDeliveryError("network-error")


class HttpsChannel:
    """Posts envelopes to agency HTTPS endpoints over one reusable, verifying client.

    Close it (or use it as a context manager) to release pooled connections.
    """

    def __init__(self, tls: TlsSettings) -> None:
        self._client = httpx.Client(
            verify=tls.client_context(),
            timeout=tls.timeout_seconds,
            follow_redirects=False,
            trust_env=False,
        )

    def __enter__(self) -> HttpsChannel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def send(self, envelope: Envelope) -> Delivered:
        """POST the sealed packet; see the module docstring for what each outcome means."""
        if urlsplit(envelope.address).scheme != "https":
            raise PermanentDeliveryError("https-bad-address")
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Idempotency-Key": envelope.referral_id,
            "X-Packet-Id": envelope.packet_id,
            "X-Packet-SHA256": envelope.packet_sha256,
        }
        if envelope.urgent:
            headers["Priority"] = "u=0"
        try:
            with self._client.stream(
                "POST", envelope.address, content=envelope.sealed, headers=headers
            ) as response:
                if not response.is_success:
                    raise _status_error(response.status_code)
                receipt = response.headers.get("X-Receipt") or _read_text(response)
                receipt = receipt or f"HTTP {response.status_code}"
                return Delivered(receipt=receipt[:RECEIPT_LIMIT])
        except httpx.TransportError as exc:
            raise _transport_error(exc) from exc
        except httpx.InvalidURL as exc:
            raise PermanentDeliveryError("https-bad-address") from exc


def _read_text(response: httpx.Response) -> str:
    """At most `_BODY_LIMIT` bytes of the body as text: an agency's receipt page is evidence,
    not something to hold megabytes of. The status already said "delivered", so a body that
    breaks off mid-read still counts as delivered, with what was read as the receipt."""
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body.extend(chunk)
            if len(body) >= _BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass
    return bytes(body[:_BODY_LIMIT]).decode(response.encoding or "utf-8", "replace").strip()
