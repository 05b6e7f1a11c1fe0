"""The DSL's and staff's commands on a concern, in the policy's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.codes import (
    AgencyKind,
    Article6Basis,
    Article9Condition,
    Category,
    ConsentFrom,
    ConsentStatus,
    NotSoughtReason,
    RetentionOutcome,
)
from domain.concern import Concern, RecipientChoice
from domain.errors import InvalidValue, RecordChanged
from domain.packet_fields import PacketField
from domain.referral import Referral
from safeshare.adapters.case_records import CaseRecords
from safeshare.services.agencies import AgencyService
from safeshare.services.context import Context
from safeshare.services.raising import RaisingDetails
from safeshare.validation import (
    MAX_NAME,
    code,
    day,
    moment,
    optional_code,
    optional_text,
    required_text,
)
from sharing.pki import certificate_fingerprint


@dataclass(frozen=True)
class DecisionResult:
    decision_no: int
    share: bool
    decided_at_step: str
    path: list[str]
    referral_ids: list[UUID]


class ConcernService:
    def __init__(self, ctx: Context, agencies: AgencyService) -> None:
        self.ctx = ctx
        self.agencies = agencies

    def raise_concern(
        self,
        child_id: str,
        category: str,
        facts: str,
        observed_at: str,
        by: str,
        opinion: str | None = None,
        immediate_risk: bool = False,
        crime_suspected: bool = False,
    ) -> UUID:
        """Any member of staff raises a concern: facts and opinion held apart."""
        return self.raise_with_details(
            child_id,
            category,
            facts,
            observed_at,
            by,
            None,
            opinion,
            immediate_risk,
            crime_suspected,
        )

    def raise_with_details(
        self,
        child_id: str,
        category: str,
        facts: str,
        observed_at: str,
        by: str,
        details: RaisingDetails | None,
        opinion: str | None = None,
        immediate_risk: bool = False,
        crime_suspected: bool = False,
    ) -> UUID:
        """Raising a concern with what the raiser adds (the child's own words, where, who was
        present, body-map marks, the raising account), saved with it in one transaction."""
        child = self.ctx.live_child(child_id)
        cat = code("category", category, Category)
        facts = required_text("facts", facts)
        opinion = optional_text("opinion", opinion)
        observed = moment("observed-at", observed_at, self.ctx.clock())
        check_after_birth(
            "observed-at", observed, self.ctx.sealer.unseal(child.id, child.date_of_birth)
        )
        by = required_text("by", by, MAX_NAME)
        concern_id = uuid4()
        seal = self.ctx.sealer
        concern = Concern(
            child_id=child.id,
            category=cat.value,
            facts=seal.seal(child.id, "concern.facts", facts),
            opinion=seal.seal_optional(child.id, "concern.opinion", opinion),
            observed_at=observed,
            immediate_risk=immediate_risk,
            crime_suspected=crime_suspected,
            raised_by=by,
            id=concern_id,
        )
        if details is not None and not details.empty:
            details.record_on(concern, seal, by)
        self.ctx.app.save(concern)
        return concern_id

    def seek_advice(
        self, concern_id: str, from_whom: str, question: str, by: str, answer: str | None = None
    ) -> None:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        seal = self.ctx.sealer
        concern.seek_advice(
            from_whom=required_text("from", from_whom, MAX_NAME),
            question=seal.seal(
                concern.child_id, "advice.question", required_text("question", question)
            ),
            answer=seal.seal_optional(
                concern.child_id, "advice.answer", optional_text("answer", answer)
            ),
            sought_by=required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)

    def record_consent(
        self,
        concern_id: str,
        status: str,
        by: str,
        from_whom: str | None = None,
        reason: str | None = None,
        note: str | None = None,
        scope: Sequence[str] = (),
    ) -> None:
        """Consent sought, given (with its scope), refused, withdrawn, or not sought (why)."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        st = code("status", status, ConsentStatus)
        by = required_text("by", by, MAX_NAME)
        who = optional_code("from", from_whom, ConsentFrom)
        sealed_note = self.ctx.sealer.seal_optional(
            concern.child_id, "consent.note", optional_text("note", note)
        )
        if st in (ConsentStatus.SOUGHT, ConsentStatus.GIVEN, ConsentStatus.REFUSED) and who is None:
            raise InvalidValue("from", "is required: child, parent or carer")
        if st is ConsentStatus.SOUGHT:
            assert who is not None
            concern.seek_consent(who, by)
        elif st is ConsentStatus.GIVEN:
            assert who is not None
            concern.record_consent_given(who, [s.strip() for s in scope if s.strip()], by)
        elif st is ConsentStatus.REFUSED:
            assert who is not None
            concern.record_consent_refused(who, sealed_note, by)
        elif st is ConsentStatus.WITHDRAWN:
            concern.record_consent_withdrawn(who, sealed_note, by)
        elif st is ConsentStatus.NOT_SOUGHT:
            why = optional_code("reason", reason, NotSoughtReason)
            concern.record_consent_not_sought(why, sealed_note, by)
        else:
            raise InvalidValue("status", "must be sought, given, refused, withdrawn or not-sought")
        self.ctx.app.save(concern)

    def record_lawful_basis(
        self,
        concern_id: str,
        article6: str,
        justification: str,
        by: str,
        article9: str | None = None,
    ) -> None:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        a6 = code("article6", article6, Article6Basis)
        a9 = optional_code("article9", article9, Article9Condition)
        text = optional_text("justification", justification)
        concern.record_lawful_basis(
            a6,
            a9,
            self.ctx.sealer.seal_optional(concern.child_id, "basis.justification", text),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)

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
    ) -> DecisionResult:
        """Share or not, always with reasons; on share, one prepared referral per recipient,
        saved with the decision in one transaction."""
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
            save_unless_changed(self.ctx.app, "deciding", concern)
            last = concern.decisions[-1]
            return DecisionResult(
                last["decision_no"], False, last["decided_at_step"], last["path"], []
            )
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
                from domain.packet_fields import IDENTIFYING_FIELDS

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
        )
        for referral in referrals:
            freeze_recipient(referral, entries[referral.agency_id], by)
        save_unless_changed(self.ctx.app, "deciding", concern, *referrals)
        last = concern.decisions[-1]
        return DecisionResult(
            last["decision_no"],
            True,
            last["decided_at_step"],
            last["path"],
            [r.id for r in referrals],
        )

    def inform(self, concern_id: str, informed: bool, by: str, reason: str | None = None) -> None:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        by = required_text("by", by, MAX_NAME)
        if informed:
            concern.record_family_informed(by)
        else:
            concern.record_family_not_informed(
                self.ctx.sealer.seal_optional(
                    concern.child_id, "transparency.reason", optional_text("reason", reason)
                ),
                by,
            )
        self.ctx.app.save(concern)

    def review_retention(
        self, concern_id: str, outcome: str, reason: str, by: str, next_review: str | None = None
    ) -> None:
        concern = self.ctx.concern(concern_id)
        out = code("outcome", outcome, RetentionOutcome)
        today = self.ctx.clock().date()
        nxt = day("next-review", next_review, today, allow_future=True) if next_review else None
        if nxt is not None and nxt <= today:
            raise InvalidValue("next-review", "must be a date after today")
        concern.review_retention(
            out, required_text("reason", reason, 500), nxt, required_text("by", by, MAX_NAME)
        )
        self.ctx.app.save(concern)

    def close(self, concern_id: str, reason: str, by: str) -> None:
        concern = self.ctx.concern(concern_id)
        concern.close(required_text("reason", reason, 500), required_text("by", by, MAX_NAME))
        self.ctx.app.save(concern)


def freeze_recipient(referral: Referral, agency: dict[str, Any], by: str) -> None:
    """Fix on the referral, as the DSL decides, the recipient's certificate and address: a
    later change to the directory never re-points a decided referral."""
    pem = str(agency["certificate_pem"])
    referral.freeze_recipient(
        name=str(agency["name"]),
        channel=str(agency["channel"]),
        address=str(agency["address"]),
        certificate_pem=pem,
        certificate_fingerprint=certificate_fingerprint(pem.encode()),
        frozen_by=by,
        mail_certificate=bool(agency.get("mail_certificate", True)),
        portal=agency.get("portal"),
    )


def check_after_birth(field: str, moment: datetime, date_of_birth: str | None) -> None:
    """Nothing about a child happened before the child was born."""
    try:
        born = date.fromisoformat(date_of_birth or "")
    except ValueError:
        return  # erased or unreadable: nothing to compare with
    if moment.date() < born:
        raise InvalidValue(field, "is before the child's date of birth")


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
