"""The DSL's and staff's commands on a concern, in the policy's order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID, uuid4

from domain.codes import (
    Article6Basis,
    Article9Condition,
    Category,
    ConsentFrom,
    ConsentStatus,
    NotSoughtReason,
)
from domain.concern import Concern
from domain.errors import InvalidValue
from domain.referral import Referral
from safeshare.services.agencies import AgencyService
from safeshare.services.concern_closing import TellingAndClosing
from safeshare.services.context import Context, one_look_at_the_store
from safeshare.services.decisions import Along, DecidingToShare, DecisionResult, RecipientPath
from safeshare.services.packets import PacketService
from safeshare.services.raising import RaisingDetails
from safeshare.validation import (
    MAX_NAME,
    code,
    moment,
    optional_code,
    optional_text,
    required_text,
)


class ConcernService(DecidingToShare, TellingAndClosing):
    """Commands on a concern; deciding to share is in `DecidingToShare`; telling the family,
    retention and closing are in `TellingAndClosing`."""

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
            from_whom=seal.seal(
                concern.child_id, "advice.from", required_text("from", from_whom, MAX_NAME)
            ),
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
        self._amend_facts(concern_id, "correct", "concern.facts", "facts", facts, reason, by)

    def add_to_facts(self, concern_id: str, addendum: str, reason: str | None, by: str) -> None:
        """Principle Accurate: an addendum to the facts, with who and why."""
        self._amend_facts(concern_id, "add", "facts.addendum", "addendum", addendum, reason, by)

    def _amend_facts(
        self,
        concern_id: str,
        how: str,
        sealed_as: str,
        field: str,
        text: str,
        reason: str | None,
        by: str,
    ) -> None:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        seal = self.ctx.sealer
        amend = concern.correct_facts if how == "correct" else concern.add_to_facts
        amend(
            seal.seal(concern.child_id, sealed_as, required_text(field, text)),
            seal.seal_optional(concern.child_id, "facts.reason", optional_text("reason", reason)),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)

    @one_look_at_the_store
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


def check_after_birth(field: str, moment: datetime, date_of_birth: str | None) -> None:
    """Nothing about a child happened before the child was born."""
    try:
        born = date.fromisoformat(date_of_birth or "")
    except ValueError:
        return  # erased or unreadable: nothing to compare with
    if moment.date() < born:
        raise InvalidValue(field, "is before the child's date of birth")


__all__ = ["Along", "ConcernService", "DecisionResult", "RecipientPath"]
