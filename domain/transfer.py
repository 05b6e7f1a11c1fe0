"""The file follows the child (KCSIE: a child-protection file moves to the new school "within 5
days for an in-year transfer").

The receiving school, running safeshare, imports the transfer packet once: it verifies the
sender's signature, opens the packet with its own key, and records the child, the concern and
the chronology as "transferred from <school> on <date>". It sends back a signed receipt naming
the SHA-256 of the packet it opened; the sending school records the receipt on the referral,
and the 5-school-day measure closes on it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.topics import stable_topics

RULE = "KCSIE: child-protection file transfer"
_TRANSFER_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/transfer-in")
RECEIPT_SCHEMA = "safeshare.transfer-receipt/1"


class TransferIn(CheapCopy, Aggregate):
    """One transfer packet imported by the receiving school."""

    class Imported(Aggregate.Created):
        TOPIC = "safeshare:transfer-in:imported"
        packet_id: str
        referral_id: str
        from_school: str
        sent_at: datetime
        content_sha256: str
        child_id: UUID
        concern_ids: list[UUID]
        imported_by: str

    @staticmethod
    def create_id(packet_id: str) -> UUID:
        """Deterministic: the same packet cannot be imported twice."""
        return uuid5(_TRANSFER_NAMESPACE, packet_id)

    @event(Imported)
    def __init__(
        self,
        packet_id: str,
        referral_id: str,
        from_school: str,
        sent_at: datetime,
        content_sha256: str,
        child_id: UUID,
        concern_ids: list[UUID],
        imported_by: str,
    ) -> None:
        self.packet_id = packet_id
        self.referral_id = referral_id
        self.from_school = from_school
        self.sent_at = sent_at
        self.content_sha256 = content_sha256
        self.child_id = child_id
        self.concern_ids = list(concern_ids)
        self.imported_by = imported_by


stable_topics(TransferIn, "safeshare:transfer-in")
