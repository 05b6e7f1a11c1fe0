"""Deciding to share, or not: the flowchart and the "how" principles, one transaction.

Golden rule 7: "Keep a record of your decision and the reasons for it – whether it is to share
information or not. If you decide to share, then record what you have shared, with whom and for
what purpose." Each recipient's packet is frozen with the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain import anonymising
from domain.child import Child
from domain.codes import AgencyKind
from domain.concern import Concern, RecipientChoice
from domain.concern_values import Decision
from domain.errors import InvalidValue, RecordChanged
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from domain.recipient import Recipient
from domain.referral import Referral
from safeshare.adapters.case_records import CaseRecords
from safeshare.services.agencies import AgencyService
from safeshare.services.context import Context, one_look_at_the_store
from safeshare.services.packets import PacketService
from safeshare.validation import MAX_NAME, optional_text, required_text
from sharing.pki import certificate_fingerprint

Along = Callable[[Decision], Sequence[Aggregate]]
"""Other aggregates a decision changes, saved in the decision's own transaction."""


@dataclass(frozen=True)
class RecipientPath:
    agency_id: str
    decided_at_step: str
    path: list[str]


@dataclass(frozen=True)
class DecisionResult:
    decision_no: int
    share: bool
    decided_at_step: str
    path: list[str]
    referral_ids: list[UUID]
    recipients: list[RecipientPath]

    @classmethod
    def of(cls, decision: Decision, referral_ids: list[UUID]) -> DecisionResult:
        return cls(
            decision.decision_no,
            decision.share,
            decision.decided_at_step.value,
            list(decision.path),
            referral_ids,
            [
                RecipientPath(r.agency_id, r.decided_at_step.value, list(r.path))
                for r in decision.recipients
            ],
        )


class DecidingToShare:
    """The sharing decision, for `ConcernService`."""

    ctx: Context
    agencies: AgencyService
    packets: PacketService

    @one_look_at_the_store
    def decide(
        self,
        concern_id: str,
        share: bool,
        reasons: str | None,
        by: str,
        purpose: str | None = None,
        to: Sequence[str] = (),
        fields: dict[str, Sequence[str]] | None = None,
        widening_reason: str | None = None,
        identifiable: bool = True,
        police_not_told_reason: str | None = None,
        redacted_facts: str | None = None,
        redacted_opinion: str | None = None,
        along: Along | None = None,
        lado_not_told_reason: str | None = None,
    ) -> DecisionResult:
        """Share or not, always with reasons; on share, one prepared referral per recipient,
        its packet frozen, saved with the decision in one transaction (with whatever `along`
        records on other aggregates about the decision, such as the request it answers)."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        child_id = concern.child_id
        seal = self.ctx.sealer
        by = required_text("by", by, MAX_NAME)
        sealed_reasons = seal.seal_optional(
            child_id, "decision.reasons", optional_text("reasons", reasons)
        )
        sealed_purpose = seal.seal_optional(
            child_id, "decision.purpose", optional_text("purpose", purpose)
        )
        if not share:
            concern.decide_not_to_share(sealed_reasons, by, purpose=sealed_purpose)
            extra = along(concern.decisions[-1]) if along else ()
            save_unless_changed(self.ctx.app, "deciding", concern, *extra)
            return DecisionResult.of(concern.decisions[-1], [])
        widening = seal.seal_optional(
            child_id, "decision.widening_reason", optional_text("widening-reason", widening_reason)
        )
        recipients = list(dict.fromkeys(a.strip() for a in to if a.strip()))
        for narrowed in fields or {}:
            if narrowed not in recipients:
                raise InvalidValue(
                    "field", f"{narrowed!r} is not a recipient of this decision (see --to)"
                )
        choices: list[RecipientChoice] = []
        entries: dict[str, dict[str, Any]] = {}
        for agency_id in recipients:
            agency = entries[agency_id] = self.agencies.get(agency_id, field="to")
            profile = frozenset(PacketField(f) for f in agency["profile"])
            requested = (fields or {}).get(agency_id)
            chosen = frozenset(_field("fields", f) for f in requested) if requested else profile
            if not identifiable and not requested:
                chosen = chosen - IDENTIFYING_FIELDS
            choices.append(
                RecipientChoice(
                    agency_id=agency_id,
                    kind=AgencyKind(agency["kind"]),
                    fields=chosen,
                    profile=profile,
                    widening_reason=widening,
                )
            )
        redacted = {
            "redacted facts": optional_text("redacted-facts", redacted_facts),
            "redacted opinion": optional_text("redacted-opinion", redacted_opinion),
        }
        if not identifiable:
            self.check_nothing_identifies(concern, choices, redacted, purpose, reasons)
        referrals: list[Referral] = concern.decide_to_share(
            purpose=sealed_purpose,
            recipients=choices,
            reasons=sealed_reasons,
            decided_by=by,
            identifiable=identifiable,
            police_not_told_reason=seal.seal_optional(
                child_id,
                "decision.police_not_told_reason",
                optional_text("police-not-told-reason", police_not_told_reason),
            ),
            redacted_facts=seal.seal_optional(
                child_id, "decision.redacted_facts", redacted["redacted facts"]
            ),
            redacted_opinion=seal.seal_optional(
                child_id, "decision.redacted_opinion", redacted["redacted opinion"]
            ),
            lado_not_told_reason=seal.seal_optional(
                child_id,
                "decision.lado_not_told_reason",
                optional_text("lado-not-told-reason", lado_not_told_reason),
            ),
        )
        now = self.ctx.clock()
        for referral in referrals:
            freeze_recipient(referral, entries[referral.agency_id], by)
            self.packets.freeze(referral, concern, now)
        extra = along(concern.decisions[-1]) if along else ()
        save_unless_changed(self.ctx.app, "deciding", concern, *referrals, *extra)
        return DecisionResult.of(concern.decisions[-1], [r.id for r in referrals])

    def check_nothing_identifies(
        self,
        concern: Concern,
        choices: Sequence[RecipientChoice],
        redacted: dict[str, str | None],
        purpose: str | None,
        reasons: str | None,
    ) -> None:
        """A non-identifying share: every free text it sends is checked against what the
        school knows identifies the child (the domain rule; nothing is recorded)."""
        child = self.ctx.app.read(concern.child_id, Child)
        u = self.ctx.sealer.unseal
        dob = u(child.id, child.date_of_birth)
        known = anonymising.KnownIdentifiers(
            names=tuple(
                n
                for n in [u(child.id, child.name)]
                + [u(child.id, p.name) for p in child.people.values() if p.in_household]
                if n
            ),
            upn=u(child.id, child.upn),
            date_of_birth=date.fromisoformat(dob) if dob and dob[:1].isdigit() else None,
        )
        texts: dict[str, str | None] = {**redacted, "purpose": purpose, "reasons": reasons}
        basis = concern.lawful_basis
        if basis is not None and any(PacketField.LAWFUL_BASIS in c.fields for c in choices):
            texts["lawful basis justification"] = u(child.id, basis.justification)
        anonymising.check_redacted_text_identifies_no_one(texts, known)


def freeze_recipient(referral: Referral, agency: dict[str, Any], by: str) -> None:
    """Fix on the referral, as the DSL decides, the recipient's certificate and address: a
    later change to the directory never re-points a decided referral."""
    pem = str(agency["certificate_pem"])
    recipient = Recipient.of_entry(agency, certificate_fingerprint(pem.encode()))
    referral.freeze_recipient(recipient, frozen_by=by)


def save_unless_changed(app: CaseRecords, doing: str, *aggregates: Aggregate) -> None:
    """Save in one transaction; if someone else changed one of these records meanwhile,
    nothing is saved and the person is told to look again."""
    try:
        app.save(*aggregates)
    except IntegrityError:
        raise RecordChanged(doing) from None


def _field(name: str, value: str) -> PacketField:
    try:
        return PacketField(value.strip())
    except ValueError:
        choices = ", ".join(f.value for f in PacketField)
        raise InvalidValue(name, f"{value!r} is not a packet field (one of: {choices})") from None
