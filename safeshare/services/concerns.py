"""The DSL's and staff's commands on a concern, in the policy's order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import anonymising
from domain.child import Child
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
from domain.concern_values import Decision
from domain.errors import InvalidValue
from domain.packet_fields import PacketField
from domain.referral import Referral
from safeshare.services.agencies import AgencyService
from safeshare.services.context import Context
from safeshare.services.packets import PacketService
from safeshare.validation import (
    MAX_NAME,
    code,
    day,
    moment,
    optional_code,
    optional_text,
    required_text,
)

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


class ConcernService:
    def __init__(self, ctx: Context, agencies: AgencyService, packets: PacketService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.packets = packets

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
        child = self.ctx.live_child(child_id)
        cat = code("category", category, Category)
        facts = required_text("facts", facts)
        opinion = optional_text("opinion", opinion)
        observed = moment("observed-at", observed_at, self.ctx.clock())
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
        self.ctx.app.save(concern)
        return concern_id

    def seek_advice(
        self,
        concern_id: str,
        from_whom: str,
        question: str,
        by: str,
        answer: str | None = None,
        identified: bool = False,
        identified_reason: str | None = None,
    ) -> None:
        """Advice sought (golden rule 3), anonymised unless the DSL records why the adviser
        was told who the child is."""
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
            child_identified=identified,
            identified_reason=seal.seal_optional(
                concern.child_id,
                "advice.identified_reason",
                optional_text("identified-reason", identified_reason),
            ),
        )
        self.ctx.app.save(concern)

    def correct_facts(self, concern_id: str, facts: str, reason: str | None, by: str) -> None:
        """Principle Accurate: the facts corrected, the original kept as superseded."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        seal = self.ctx.sealer
        concern.correct_facts(
            seal.seal(concern.child_id, "concern.facts", required_text("facts", facts)),
            seal.seal_optional(concern.child_id, "facts.reason", optional_text("reason", reason)),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)

    def add_to_facts(self, concern_id: str, addendum: str, reason: str | None, by: str) -> None:
        """Principle Accurate: an addendum to the facts, with who and why."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        seal = self.ctx.sealer
        concern.add_to_facts(
            seal.seal(concern.child_id, "facts.addendum", required_text("addendum", addendum)),
            seal.seal_optional(concern.child_id, "facts.reason", optional_text("reason", reason)),
            required_text("by", by, MAX_NAME),
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
        delay_harm: str | None = None,
    ) -> list[UUID]:
        """Consent sought, given (with its scope), refused, withdrawn, or not sought (why).

        A withdrawal (or a refusal after consent was given) withholds, in the same
        transaction, every undelivered referral that rested on that consent, unless a lawful
        basis without consent is recorded; returns the ids of the referrals withheld."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        st = code("status", status, ConsentStatus)
        by = required_text("by", by, MAX_NAME)
        who = optional_code("from", from_whom, ConsentFrom)
        sealed_note = self.ctx.sealer.seal_optional(
            concern.child_id, "consent.note", optional_text("note", note)
        )
        harm = self.ctx.sealer.seal_optional(
            concern.child_id, "consent.delay_harm", optional_text("delay-harm", delay_harm)
        )
        if st is ConsentStatus.NOT_SOUGHT:
            why = optional_code("reason", reason, NotSoughtReason)
            concern.record_consent_not_sought(why, sealed_note, by, delay_harm=harm)
        elif st is ConsentStatus.WITHDRAWN:
            concern.record_consent_withdrawn(who, sealed_note, by)
        elif who is None:
            raise InvalidValue("from", "is required: child, parent or carer")
        elif st is ConsentStatus.SOUGHT:
            concern.seek_consent(who, by)
        elif st is ConsentStatus.GIVEN:
            concern.record_consent_given(who, [s.strip() for s in scope if s.strip()], by)
        elif st is ConsentStatus.REFUSED:
            concern.record_consent_refused(who, sealed_note, by)
        else:
            raise InvalidValue("status", "must be sought, given, refused, withdrawn or not-sought")
        withheld = [r for r in self.open_referrals(concern) if concern.withdrawal_withholds(r)]
        for r in withheld:
            r.withhold("consent-withdrawn", by)
        self.ctx.app.save(concern, *withheld)
        return [r.id for r in withheld]

    def open_referrals(self, concern: Concern) -> list[Referral]:
        """The concern's referrals not yet delivered nor withheld."""
        found = []
        for decision in concern.decisions:
            for r in decision.recipients:
                rid = Referral.create_id(concern.id, decision.decision_no, r.agency_id)
                referral = self.ctx.app.find(rid, Referral)
                if referral is not None and referral.is_open:
                    found.append(referral)
        return found

    def record_lawful_basis(
        self,
        concern_id: str,
        article6: str,
        justification: str,
        by: str,
        article9: str | None = None,
        no_special_category_data: str | None = None,
    ) -> None:
        """The lawful basis to share without consent: Art. 6 (not consent), Art. 9 (not
        explicit consent) or the DSL's statement that no special category data is shared."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        a6 = code("article6", article6, Article6Basis)
        a9 = optional_code("article9", article9, Article9Condition)
        text = optional_text("justification", justification)
        seal = self.ctx.sealer
        concern.record_lawful_basis(
            a6,
            a9,
            seal.seal_optional(concern.child_id, "basis.justification", text),
            required_text("by", by, MAX_NAME),
            no_special_category_data=seal.seal_optional(
                concern.child_id,
                "basis.no_special_category_data",
                optional_text("no-special-category-data", no_special_category_data),
            ),
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
            self.ctx.app.save(concern, *(along(concern.decisions[-1]) if along else ()))
            return DecisionResult.of(concern.decisions[-1], [])
        widening = seal.seal_optional(
            child_id, "decision.widening_reason", optional_text("widening-reason", widening_reason)
        )
        choices: list[RecipientChoice] = []
        for agency_id in dict.fromkeys(a.strip() for a in to if a.strip()):
            agency = self.agencies.get(agency_id, field="to")
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
            self.packets.freeze(referral, concern, now)
        extra = along(concern.decisions[-1]) if along else ()
        self.ctx.app.save(concern, *referrals, *extra)
        return DecisionResult.of(concern.decisions[-1], [r.id for r in referrals])

    def record_allegation(
        self,
        concern_id: str,
        about: str,
        about_account: str,
        case_manager: str,
        by: str,
        about_headteacher: bool = False,
        named: Sequence[str] = (),
    ) -> None:
        """KCSIE Part 4: the concern is an allegation against an adult who works with children
        at the school; routed to the headteacher (the chair of governors when it is about the
        head), restricted from the person it is about and anyone they name."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        concern.record_allegation_against_staff(
            self.ctx.sealer.seal(
                concern.child_id, "allegation.subject", required_text("about", about, MAX_NAME)
            ),
            required_text("about-account", about_account, MAX_NAME),
            about_headteacher,
            required_text("case-manager", case_manager, MAX_NAME),
            [n.strip() for n in named if n.strip()],
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)

    def tell_family_at_outset(
        self,
        concern_id: str,
        told: bool,
        by: str,
        account: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Golden rule 2: the family told from the outset what, why and with whom information
        will or could be shared, or the reason that was unsafe; at any point of the case."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        by = required_text("by", by, MAX_NAME)
        seal = self.ctx.sealer
        if told:
            concern.record_family_told_at_outset(
                seal.seal_optional(
                    concern.child_id, "outset.account", optional_text("account", account)
                ),
                by,
            )
        else:
            concern.record_family_not_told_at_outset(
                seal.seal_optional(
                    concern.child_id, "outset.reason", optional_text("reason", reason)
                ),
                by,
            )
        self.ctx.app.save(concern)

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


def _field(name: str, value: str) -> PacketField:
    try:
        return PacketField(value.strip())
    except ValueError:
        choices = ", ".join(f.value for f in PacketField)
        raise InvalidValue(name, f"{value!r} is not a packet field (one of: {choices})") from None
