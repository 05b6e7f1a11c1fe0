"""Transport channels: how a sealed referral packet reaches an agency (SMTP, HTTPS).

Each channel takes an `Envelope` (ids, school, urgency, address, sealed bytes; never personal
data) and returns `Delivered(receipt)` or raises a `TransientDeliveryError` (retry) or a
`PermanentDeliveryError` (escalate to the DSL).
"""

from sharing.channels.base import (
    Channel,
    Delivered,
    DeliveryError,
    Envelope,
    PermanentDeliveryError,
    TlsSettings,
    TransientDeliveryError,
)
from sharing.channels.https import HttpsChannel
from sharing.channels.smtp import SmtpChannel

__all__ = [
    "Channel",
    "Delivered",
    "DeliveryError",
    "Envelope",
    "HttpsChannel",
    "PermanentDeliveryError",
    "SmtpChannel",
    "TlsSettings",
    "TransientDeliveryError",
]
