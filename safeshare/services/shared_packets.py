"""What an agency received: a referral's frozen packet, as read models.

Golden rule 7: "If you decide to share, then record what you have shared, with whom and for
what purpose." The packet frozen at the decision is opened with the child's key and shown as
the agency reads it (the text part and the JSON document), with the SHA-256 of the document the
school signed, which the agency can recompute from what it holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.referral import Referral
from safeshare.adapters.sealing import ERASED, Sealer
from sharing.packet import packet_sha256, packet_text, parse_packet


@dataclass(frozen=True)
class SharedPacket:
    """One referral's packet exactly as sent: `text` and `document` are `None` once the child's
    data is erased; `intact` says whether the opened packet still hashes to the recorded
    SHA-256."""

    referral_id: str
    agency_id: str
    content_sha256: str
    intact: bool
    text: str | None
    document: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shared_packet(sealer: Sealer, referral: Referral) -> SharedPacket | None:
    """The referral's frozen packet, or `None` for a referral decided before freezing."""
    if referral.frozen_packet is None or referral.content_sha256 is None:
        return None
    opened = sealer.unseal(referral.child_id, referral.frozen_packet)
    if opened is None or opened == ERASED or not opened.startswith("MIME-Version:"):
        return SharedPacket(
            str(referral.id), referral.agency_id, referral.content_sha256, False, None, None
        )
    mime = opened.encode("utf-8")
    return SharedPacket(
        referral_id=str(referral.id),
        agency_id=referral.agency_id,
        content_sha256=referral.content_sha256,
        intact=packet_sha256(mime) == referral.content_sha256,
        text=packet_text(mime),
        document=parse_packet(mime),
    )
