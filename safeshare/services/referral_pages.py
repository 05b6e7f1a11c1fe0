"""A referral's page: its status, every attempt, the telephone referral if one was made, and a
preview of exactly the fields its packet carries (the packet frozen at the decision, minimised
to the recipient's fields, opened with the child's key).

Opening it is a view of the case ("packet preview"), recorded in the audit trail after the
permission check, like every other view. Only a DSL (and an auditor, read-only) sees a packet:
staff who raised the concern read the case, not what was shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.referral import PHONE_KINDS, Referral, ReferralStatus
from domain.user import Role
from safeshare.services.accounts import Account
from safeshare.services.case_pages import CaseNotFound, CasePages, may_do_casework
from safeshare.services.context import Context
from safeshare.services.phone_calls import PhoneCall, phone_call_of
from safeshare.services.shared_packets import shared_packet
from safeshare.validation import MAX_NAME, moment, required_text

MAX_REFERENCE = 100


@dataclass(frozen=True)
class FieldRow:
    """One field the packet carries, as its recipient reads it."""

    code: str
    label: str
    value: str


@dataclass(frozen=True)
class ReferralPage:
    referral_id: str
    concern_id: str
    agency_id: str
    agency_name: str
    agency_kind: str
    status: str
    urgent: bool
    attempts: int
    receipt: str | None
    last_error: str | None
    phone_call: PhoneCall | None
    may_phone: bool
    can_do_casework: bool
    frozen: bool
    intact: bool
    content_sha256: str | None
    packet_text: str | None
    fields: list[FieldRow] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)


def field_label(code: str) -> str:
    return code.replace("-", " ").replace("upn", "UPN").replace("nhs", "NHS").capitalize()


def as_text(value: Any) -> str:
    """A packet field's JSON value as lines a person reads (escaped at display)."""
    if value is None or value == [] or value == "":
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "\n".join(as_text(v) for v in value)
    if isinstance(value, dict) and set(value) == {"text", "historical"}:  # one fact
        return str(value["text"]) + (" (historical)" if value["historical"] else "")
    if isinstance(value, dict):
        return "; ".join(
            f"{k.replace('_', ' ')}: {as_text(v)}" for k, v in value.items() if v is not None
        )
    return str(value)


class ReferralPages:
    def __init__(self, ctx: Context, cases: CasePages) -> None:
        self.ctx = ctx
        self.cases = cases

    def _referral(self, referral_id: str, account: Account, action: str) -> Referral:
        """The referral, if this account may read its case and what was shared (a DSL or an
        auditor); otherwise CaseNotFound, the same answer as a missing one."""
        try:
            referral = self.ctx.app.find(UUID(referral_id), Referral)
        except ValueError:
            referral = None
        if referral is None:
            raise CaseNotFound
        concern = self.cases.readable(str(referral.concern_id), account, action)
        if account.role not in (Role.DSL, Role.AUDITOR):
            self.cases.views.record_view(concern.id, account.actor, f"refused: {action}")
            raise CaseNotFound
        return referral

    def page(self, referral_id: str, account: Account, via: str = "web") -> ReferralPage:
        referral = self._referral(referral_id, account, "packet preview")
        self.cases.views.record_view(
            referral.concern_id,
            f"{account.actor} ({via})",
            f"packet preview: {referral.agency_id} (referral {referral.id})",
        )
        packet = shared_packet(self.ctx.sealer, referral)
        content: dict[str, Any] = {}
        if packet is not None and packet.document is not None:
            found = packet.document.get("content")
            content = found if isinstance(found, dict) else {}
        recipient = referral.recipient
        return ReferralPage(
            referral_id=str(referral.id),
            concern_id=str(referral.concern_id),
            agency_id=referral.agency_id,
            agency_name=recipient.name if recipient else referral.agency_id,
            agency_kind=referral.agency_kind,
            status=referral.status.value,
            urgent=referral.urgent,
            attempts=referral.attempts,
            receipt=referral.receipt,
            last_error=referral.last_error,
            phone_call=phone_call_of(self.ctx, referral),
            may_phone=may_do_casework(account)
            and referral.agency_kind in PHONE_KINDS
            and referral.phone_call is None
            and referral.status not in (ReferralStatus.DELIVERED, ReferralStatus.WITHHELD),
            can_do_casework=may_do_casework(account),
            frozen=packet is not None,
            intact=bool(packet and packet.intact),
            content_sha256=referral.content_sha256,
            packet_text=packet.text if packet else None,
            fields=[FieldRow(k, field_label(k), as_text(v)) for k, v in content.items()],
            sends=self.cases.views.sends(referral),
        )

    def record_phone_call(
        self,
        referral_id: str,
        account: Account,
        called: str,
        called_at: str | datetime,
        reference: str,
    ) -> None:
        """The referral phoned through to the police or the MASH: who took the call, when,
        and their reference, recorded as the referral's first delivery."""
        referral = self._referral(referral_id, account, "telephone referral")
        if not may_do_casework(account):
            raise CaseNotFound
        record_phone_call(
            self.ctx, referral, called, called_at, reference, f"{account.actor} (web)"
        )


def record_phone_call(
    ctx: Context,
    referral: Referral,
    called: str,
    called_at: str | datetime,
    reference: str,
    by: str,
) -> PhoneCall:
    """The telephone referral recorded on the referral, who took it and their reference
    sealed with the child's key (from the web page and `safeshare referral phoned`)."""
    seal = ctx.sealer
    who = required_text("called", called, MAX_NAME)
    ref = required_text("reference", reference, MAX_REFERENCE)
    at = moment("called-at", called_at, ctx.clock())
    by = required_text("by", by, MAX_NAME)
    referral.record_phone_call(
        called=seal.seal(referral.child_id, "referral.phone.called", who),
        called_at=at,
        reference=seal.seal(referral.child_id, "referral.phone.reference", ref),
        recorded_by=by,
    )
    ctx.app.save(referral)
    return PhoneCall(who, at, ref, by)
