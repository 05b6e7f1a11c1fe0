"""A referral: one packet to one recipient for one sharing decision, with its own life.

Prepared, dispatched (attempt n), delivered (with the agency's receipt), failed (attempt n,
why), escalated to the DSL. "A referral is never silently dropped" (DESIGN.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.codes import AgencyOutcome
from domain.copying import CheapCopy
from domain.errors import PolicyRefusal
from domain.recipient import Recipient
from domain.sealed import Sealed
from domain.topics import stable_topics

REFERRAL_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/referral")


class ReferralStatus(StrEnum):
    PREPARED = "prepared"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    FAILED = "failed"
    ESCALATED = "escalated"
    WITHHELD = "withheld"


PHONE_KINDS = frozenset({"police", "mash"})
"""The agencies a referral is phoned through to (`domain.codes.AgencyKind` values)."""


class Referral(CheapCopy, Aggregate):
    """One recipient's referral for one decision."""

    class Prepared(Aggregate.Created):
        TOPIC = "safeshare:referral:prepared"
        concern_id: UUID
        child_id: UUID
        decision_no: int
        agency_id: str
        agency_kind: str
        fields: list[str]
        urgent: bool
        identifiable: bool

    class Dispatched(Aggregate.Event):
        TOPIC = "safeshare:referral:dispatched"
        attempt: int
        channel: str
        packet_id: str
        packet_sha256: str

    class Delivered(Aggregate.Event):
        TOPIC = "safeshare:referral:delivered"
        receipt: str

    class DeliveryFailed(Aggregate.Event):
        TOPIC = "safeshare:referral:delivery-failed"
        attempt: int
        error_class: str
        permanent: bool

    class Escalated(Aggregate.Event):
        TOPIC = "safeshare:referral:escalated"
        reason: str

    class RetryRequested(Aggregate.Event):
        TOPIC = "safeshare:referral:retry-requested"
        requested_by: str

    class Acknowledged(Aggregate.Event):
        TOPIC = "safeshare:referral:acknowledged"
        outcome: str
        acknowledged_at: datetime
        recorded_by: str

    class RecipientFrozen(Aggregate.Event):
        """Whom exactly this referral goes to: fixed when the DSL decides (or confirms a changed
        directory entry), so a later change to the directory never re-points it."""

        TOPIC = "safeshare:referral:recipient-frozen"
        name: str
        channel: str
        address: str
        certificate_pem: str
        certificate_fingerprint: str
        frozen_by: str
        confirmed_change: bool
        mail_certificate: bool = True
        portal: str | None = None

    class Withheld(Aggregate.Event):
        TOPIC = "safeshare:referral:withheld"
        reason: str
        recorded_by: str

    class ContentFrozen(Aggregate.Event):
        TOPIC = "safeshare:referral:content-frozen"
        packet: Sealed
        content_sha256: str

    class ReceiptRecorded(Aggregate.Event):
        TOPIC = "safeshare:referral:receipt-recorded"
        received_at: datetime
        receiving_school: str
        recorded_by: str

    class PacketExported(Aggregate.Event):
        TOPIC = "safeshare:referral:packet-exported"
        exported_by: str
        packet_sha256: str

    class PhonedThrough(Aggregate.Event):
        """A referral made by telephone to the police or the MASH, ahead of the packet: who
        was called, when, and their reference (sealed with the child's key). It is the
        referral's first delivery; the packet follows as the written confirmation."""

        TOPIC = "safeshare:referral:phoned-through"
        called: Sealed
        called_at: datetime
        reference: Sealed
        recorded_by: str

    @staticmethod
    def create_id(concern_id: UUID, decision_no: int, agency_id: str) -> UUID:
        """Deterministic, so that preparing the same decision twice cannot make two."""
        return uuid5(REFERRAL_NAMESPACE, f"{concern_id}/{decision_no}/{agency_id}")

    @event(Prepared)
    def __init__(
        self,
        concern_id: UUID,
        child_id: UUID,
        decision_no: int,
        agency_id: str,
        agency_kind: str,
        fields: list[str],
        urgent: bool,
        identifiable: bool,
    ) -> None:
        self.concern_id = concern_id
        self.child_id = child_id
        self.decision_no = decision_no
        self.agency_id = agency_id
        self.agency_kind = agency_kind
        self.fields = list(fields)
        self.urgent = urgent
        self.identifiable = identifiable
        self.status = ReferralStatus.PREPARED
        self.attempts = 0
        self.packet_id: str | None = None
        self.packet_sha256: str | None = None
        self.receipt: str | None = None
        self.last_error: str | None = None
        self.escalation_reason: str | None = None
        self.delivered_at: datetime | None = None
        self.agency_outcome: AgencyOutcome | None = None
        self.acknowledged_at: datetime | None = None
        self.recipient: Recipient | None = None
        self.withheld_reason: str | None = None
        self.frozen_packet: Sealed | None = None
        self.receipt_at: datetime | None = None
        self.content_sha256: str | None = None
        self.phone_call: dict[str, Any] | None = None

    def record_dispatched(
        self, attempt: int, channel: str, packet_id: str, packet_sha256: str
    ) -> None:
        self.check_not_delivered()
        self._dispatched(
            attempt=attempt, channel=channel, packet_id=packet_id, packet_sha256=packet_sha256
        )

    @event(Dispatched)
    def _dispatched(self, attempt: int, channel: str, packet_id: str, packet_sha256: str) -> None:
        self.status = ReferralStatus.DISPATCHED
        self.attempts = max(self.attempts, attempt)
        self.packet_id = packet_id
        self.packet_sha256 = packet_sha256

    def record_delivered(self, receipt: str) -> None:
        self.check_not_delivered()
        self._delivered(receipt=receipt)

    @event(Delivered)
    def _delivered(self, receipt: str) -> None:
        self.status = ReferralStatus.DELIVERED
        self.receipt = receipt

    def record_delivery_failed(self, attempt: int, error_class: str, permanent: bool) -> None:
        self.check_not_delivered()
        self._delivery_failed(attempt=attempt, error_class=error_class, permanent=permanent)

    @event(DeliveryFailed)
    def _delivery_failed(self, attempt: int, error_class: str, permanent: bool) -> None:
        if self.status is not ReferralStatus.ESCALATED:
            self.status = ReferralStatus.FAILED
        self.attempts = max(self.attempts, attempt)
        self.last_error = error_class

    def escalate(self, reason: str) -> None:
        self.check_not_delivered()
        if self.status not in (ReferralStatus.ESCALATED, ReferralStatus.WITHHELD):
            self._escalated(reason=reason)

    @event(Escalated)
    def _escalated(self, reason: str) -> None:
        self.status = ReferralStatus.ESCALATED
        self.escalation_reason = reason

    def freeze_content(self, packet: Sealed, content_sha256: str) -> None:
        """Golden rule 7: "If you decide to share, then record what you have shared, with whom
        and for what purpose." The packet is fixed when the share is decided (sealed with the
        child's key) and every send carries exactly it; a later correction does not change
        what was decided."""
        if self.frozen_packet is not None:
            raise PolicyRefusal(
                "golden rule 7",
                "what this referral shares was fixed at the decision; decide again to share more",
            )
        self._content_frozen(packet=packet, content_sha256=content_sha256)

    @event(ContentFrozen)
    def _content_frozen(self, packet: Sealed, content_sha256: str) -> None:
        self.frozen_packet = packet
        self.content_sha256 = content_sha256

    def record_transfer_receipt(
        self,
        content_sha256: str,
        received_at: datetime,
        receiving_school: str,
        recorded_by: str,
    ) -> None:
        """KCSIE: the file is transferred "within 5 days"; the new school's signed receipt
        closes the measure. It must name the very packet the school fixed at the decision."""
        if self.agency_kind != "school":
            raise PolicyRefusal("KCSIE: child-protection file transfer", "not a file transfer")
        if content_sha256 != self.content_sha256:
            raise PolicyRefusal(
                "golden rule 7",
                "the receipt names a packet other than the one this referral shared",
            )
        if self.receipt_at is None:
            self._receipt_recorded(
                received_at=received_at,
                receiving_school=receiving_school,
                recorded_by=recorded_by,
            )

    @event(ReceiptRecorded)
    def _receipt_recorded(
        self, received_at: datetime, receiving_school: str, recorded_by: str
    ) -> None:
        self.receipt_at = received_at

    def withhold(self, reason: str, recorded_by: str) -> None:
        """Footnote 1: consent "may be withdrawn at any time". A referral that rested on the
        consent withdrawn is not sent; withholding it is recorded, never silent."""
        self.check_not_delivered()
        if not self.withheld:
            self._withheld(reason=reason, recorded_by=recorded_by)

    @event(Withheld)
    def _withheld(self, reason: str, recorded_by: str) -> None:
        self.status = ReferralStatus.WITHHELD
        self.withheld_reason = reason

    @property
    def withheld(self) -> bool:
        return self.status is ReferralStatus.WITHHELD

    def request_retry(self, requested_by: str) -> None:
        """The DSL re-sends a referral after fixing its agency: the attempt count starts over.
        A withheld referral is not re-sent: the DSL decides again, on a lawful basis."""
        self.check_not_delivered()
        if self.withheld:
            raise PolicyRefusal(
                "consent withdrawn",
                "this referral was withheld when consent was withdrawn: record a lawful basis "
                "without consent and decide again",
            )
        self._retry_requested(requested_by=requested_by)

    @event(RetryRequested)
    def _retry_requested(self, requested_by: str) -> None:
        self.status = ReferralStatus.PREPARED
        self.attempts = 0
        self.escalation_reason = None

    def record_acknowledgement(
        self, outcome: AgencyOutcome, acknowledged_at: datetime, recorded_by: str
    ) -> None:
        """The agency's acknowledgement and decision, as the DSL heard it (Working Together:
        the local authority decides "within one working day" of a referral)."""
        if self.status is not ReferralStatus.DELIVERED:
            raise PolicyRefusal("record", "only a delivered referral can be acknowledged")
        self._acknowledged(
            outcome=outcome.value, acknowledged_at=acknowledged_at, recorded_by=recorded_by
        )

    @event(Acknowledged)
    def _acknowledged(self, outcome: str, acknowledged_at: datetime, recorded_by: str) -> None:
        self.agency_outcome = AgencyOutcome(outcome)
        self.acknowledged_at = acknowledged_at

    def freeze_recipient(self, recipient: Recipient, frozen_by: str) -> None:
        """At the decision: the recipient's certificate and address as the DSL chose them."""
        if self.recipient is not None:
            raise PolicyRefusal("record", "this referral's recipient is already fixed")
        self._recipient_frozen(
            **recipient.frozen_fields(), frozen_by=frozen_by, confirmed_change=False
        )

    def confirm_changed_recipient(self, recipient: Recipient, confirmed_by: str) -> None:
        """The DSL confirms that this referral goes to the agency's changed entry: a recorded
        decision per referral, never a silent re-pointing."""
        self.check_not_delivered()
        if self.recipient is not None and self.recipient.route == recipient.route:
            raise PolicyRefusal("record", "the agency's entry has not changed since the decision")
        self._recipient_frozen(
            **recipient.frozen_fields(), frozen_by=confirmed_by, confirmed_change=True
        )

    @event(RecipientFrozen)
    def _recipient_frozen(
        self,
        name: str,
        channel: str,
        address: str,
        certificate_pem: str,
        certificate_fingerprint: str,
        frozen_by: str,
        confirmed_change: bool,
        mail_certificate: bool = True,
        portal: str | None = None,
    ) -> None:
        self.recipient = Recipient(
            name=name,
            channel=channel,
            address=address,
            certificate_pem=certificate_pem,
            certificate_fingerprint=certificate_fingerprint,
            mail_certificate=mail_certificate,
            portal=portal,
        )

    def record_phone_call(
        self, called: Sealed, called_at: datetime, reference: Sealed, recorded_by: str
    ) -> None:
        """Only the police and the MASH take a referral by telephone; only one call is the
        first delivery, and only before the written packet has been delivered."""
        if self.agency_kind not in PHONE_KINDS:
            raise PolicyRefusal(
                "agency", "a referral by telephone is made to the police or the MASH only"
            )
        if self.phone_call is not None:
            raise PolicyRefusal("called-at", "the telephone referral is already recorded")
        if self.status is ReferralStatus.WITHHELD:
            raise PolicyRefusal("called-at", "this referral is withheld: decide again first")
        self.check_not_delivered()
        self._phoned_through(
            called=called, called_at=called_at, reference=reference, recorded_by=recorded_by
        )

    @event(PhonedThrough)
    def _phoned_through(
        self, called: Sealed, called_at: datetime, reference: Sealed, recorded_by: str
    ) -> None:
        self.phone_call = {
            "called": called,
            "called_at": called_at,
            "reference": reference,
            "recorded_by": recorded_by,
        }

    def record_packet_exported(self, exported_by: str, packet_sha256: str) -> None:
        self._packet_exported(exported_by=exported_by, packet_sha256=packet_sha256)

    @event(PacketExported)
    def _packet_exported(self, exported_by: str, packet_sha256: str) -> None:
        self.packet_sha256 = packet_sha256

    def check_not_delivered(self) -> None:
        """A delivered referral is done: "what was sent stays recorded as sent"."""
        if self.status is ReferralStatus.DELIVERED:
            raise PolicyRefusal("record", "this referral has already been delivered")

    @property
    def is_open(self) -> bool:
        """Not yet delivered and not withheld: still to be sent."""
        return self.status not in (ReferralStatus.DELIVERED, ReferralStatus.WITHHELD)


stable_topics(Referral, "safeshare:referral")
