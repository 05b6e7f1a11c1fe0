"""A concern: one worry about one child, raised by one member of staff. The case aggregate.

Each command is named in the policy's words and guarded by a named check from
`domain.policy`; guards run before any event is triggered, so a refused command records
nothing. The values the record holds are in `domain.concern_values`, its events in
`domain.concern_events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import accuracy, allegations, anonymising, openness, policy, without_consent
from domain import concern_events as events
from domain.allegations import Allegation
from domain.body_map import BodyRegion
from domain.codes import (
    AgencyKind,
    Article6Basis,
    Article9Condition,
    Category,
    ConsentFrom,
    ConsentStatus,
    FlowchartStep,
    NotSoughtReason,
    RetentionOutcome,
)
from domain.concern_values import (
    Advice,
    Consent,
    Decision,
    FactAmendment,
    LawfulBasis,
    RecipientChoice,
    RecipientDecision,
)
from domain.copying import CheapCopy
from domain.errors import ChildErased, ConcernClosed
from domain.referral import Referral
from domain.sealed import Sealed
from domain.topics import stable_topics

__all__ = ["Concern", "RecipientChoice"]


class Concern(CheapCopy, Aggregate):
    """The case record of one concern."""

    Raised = events.Raised
    AdviceSought = events.AdviceSought
    ConsentRecorded = events.ConsentRecorded
    LawfulBasisRecorded = events.LawfulBasisRecorded
    FactsAmended = events.FactsAmended
    SharingDecided = events.SharingDecided
    FamilyInformed = events.FamilyInformed
    AllegationRecorded = events.AllegationRecorded
    RestrictedCaseOpened = events.RestrictedCaseOpened
    TransferredIn = events.TransferredIn
    FamilyToldAtOutset = events.FamilyToldAtOutset
    RetentionReviewed = events.RetentionReviewed
    DetailsRecorded = events.DetailsRecorded
    ChildDataErased = events.ChildDataErased
    Closed = events.Closed

    @event(Raised)
    def __init__(
        self,
        id: UUID,
        child_id: UUID,
        category: str,
        facts: Sealed,
        opinion: Sealed | None,
        observed_at: datetime,
        immediate_risk: bool,
        crime_suspected: bool,
        raised_by: str,
    ) -> None:
        self.child_id = child_id
        self.category = Category(category)
        self.facts = facts
        self.opinion = opinion
        self.observed_at = observed_at
        self.immediate_risk = immediate_risk
        self.crime_suspected = crime_suspected
        self.raised_by = raised_by
        self.advice: list[Advice] = []
        self.fact_amendments: list[FactAmendment] = []
        self.allegation: Allegation | None = None
        self.transferred_from: str | None = None
        self.transferred_on: date | None = None
        self.consent = Consent(ConsentStatus.NONE)
        self.consent_history: list[Consent] = []
        self.lawful_basis: LawfulBasis | None = None
        self.decisions: list[Decision] = []
        self.family_informed: bool | None = None
        self.family_not_informed_reason: Sealed | None = None
        self.family_told_at_outset: bool | None = None
        self.family_outset_account: Sealed | None = None
        self.family_not_told_at_outset_reason: Sealed | None = None
        self.retention_next_review: date | None = None
        self.retention_outcome: RetentionOutcome | None = None
        self.child_data_erased = False
        self.closed = False
        self.child_words: Sealed | None = None
        self.location: Sealed | None = None
        self.others_present: Sealed | None = None
        self.body_marks: list[dict[str, Any]] = []
        self.raised_by_account: str | None = None

    def record_details(
        self,
        child_words: Sealed | None,
        location: Sealed | None,
        others_present: Sealed | None,
        body_marks: Sequence[tuple[BodyRegion, Sealed]],
        raised_by_account: str | None,
        recorded_by: str,
    ) -> None:
        """Policy: "distinguish fact from opinion"; the child's own words are kept verbatim
        in their own field, apart from both."""
        self.check_open_for_casework()
        self._details(
            child_words=child_words,
            location=location,
            others_present=others_present,
            body_marks=[{"region": r.value, "note": n} for r, n in body_marks],
            raised_by_account=raised_by_account,
            recorded_by=recorded_by,
        )

    @event(DetailsRecorded)
    def _details(
        self,
        child_words: Sealed | None,
        location: Sealed | None,
        others_present: Sealed | None,
        body_marks: list[dict[str, Any]],
        raised_by_account: str | None,
        recorded_by: str,
    ) -> None:
        self.child_words = child_words or self.child_words
        self.location = location or self.location
        self.others_present = others_present or self.others_present
        self.body_marks = [*self.body_marks, *body_marks]
        if raised_by_account and self.raised_by_account is None:
            self.raised_by_account = raised_by_account

    # -- golden rule 3 -----------------------------------------------------------------------------

    def seek_advice(
        self,
        from_whom: Sealed | str,
        question: Sealed,
        answer: Sealed | None,
        sought_by: str,
        child_identified: bool = False,
        identified_reason: Sealed | None = None,
    ) -> None:
        """Golden rule 3: "Seek advice from other practitioners ... without disclosing the
        identity of the individual where possible." Advice is sought anonymised; the child is
        identified to the adviser only for a recorded reason."""
        self.check_open_for_casework()
        openness.check_identified_advice_has_reason(child_identified, identified_reason)
        self._advice_sought(
            from_whom=from_whom,
            question=question,
            answer=answer,
            sought_by=sought_by,
            child_identified=child_identified,
            identified_reason=identified_reason if child_identified else None,
        )

    @event(AdviceSought)
    def _advice_sought(
        self,
        from_whom: Sealed | str,
        question: Sealed,
        answer: Sealed | None,
        sought_by: str,
        child_identified: bool = False,
        identified_reason: Sealed | None = None,
    ) -> None:
        self.advice.append(
            Advice(from_whom, question, answer, sought_by, child_identified, identified_reason)
        )

    # -- allegations against staff (KCSIE Part 4) ----------------------------------------------

    def record_allegation_against_staff(
        self,
        subject: Sealed,
        subject_account: str,
        about_headteacher: bool,
        case_manager: str,
        named: Sequence[str],
        recorded_by: str,
    ) -> None:
        """KCSIE Part 4: the concern is about an adult who works with children at the school.
        It goes to the headteacher, or the chair of governors when it is about the head, and is
        restricted from the person it is about and from anyone they name."""
        self.check_open_for_casework()
        restricted = tuple(dict.fromkeys([subject_account, *named]))
        allegations.check_case_manager_is_not_the_subject(case_manager, restricted)
        self._allegation_recorded(
            subject=subject,
            subject_account=subject_account,
            about_headteacher=about_headteacher,
            case_manager_role=allegations.case_manager_for(about_headteacher).value,
            case_manager=case_manager,
            restricted_from=list(restricted),
            recorded_by=recorded_by,
        )

    @event(AllegationRecorded)
    def _allegation_recorded(
        self,
        subject: Sealed,
        subject_account: str,
        about_headteacher: bool,
        case_manager_role: str,
        case_manager: str,
        restricted_from: list[str],
        recorded_by: str,
    ) -> None:
        self.allegation = Allegation(
            subject,
            subject_account,
            about_headteacher,
            allegations.CaseManager(case_manager_role),
            case_manager,
            tuple(restricted_from),
            recorded_by,
        )

    def open_restricted(self, viewer: str, break_glass_reason: Sealed | None) -> bool:
        """Whether `viewer` may read this case; a break-glass opening by another DSL is
        recorded here with its reason (and flagged in the audit trail). Returns True when the
        glass was broken."""
        broke = allegations.check_may_open(self.allegation, viewer, break_glass_reason)
        if broke and break_glass_reason is not None:
            self._restricted_case_opened(viewer=viewer, reason=break_glass_reason)
        return broke

    @event(RestrictedCaseOpened)
    def _restricted_case_opened(self, viewer: str, reason: Sealed) -> None:
        pass

    # -- the file follows the child ------------------------------------------------------------

    def mark_transferred_in(
        self, from_school: str, transferred_on: date, packet_id: str, recorded_by: str
    ) -> None:
        """KCSIE: the child-protection file follows the child to a new school; what came from
        the previous school is marked "transferred from <school> on <date>"."""
        self.check_open_for_casework()
        if self.transferred_from is None:
            self._transferred_in(
                from_school=from_school,
                transferred_on=transferred_on,
                packet_id=packet_id,
                recorded_by=recorded_by,
            )

    @event(TransferredIn)
    def _transferred_in(
        self, from_school: str, transferred_on: date, packet_id: str, recorded_by: str
    ) -> None:
        self.transferred_from = from_school
        self.transferred_on = transferred_on

    # -- accurate and up to date ----------------------------------------------------------------

    def correct_facts(self, corrected: Sealed, reason: Sealed | None, recorded_by: str) -> None:
        """Principle Accurate: "Information should be accurate and up to date". The corrected
        text replaces the facts for what is shared from now on; the original stays in the
        record as superseded. What was already decided and shared is not changed."""
        self.check_open_for_casework()
        why = accuracy.check_amendment_has_reason(reason)
        self._facts_amended(
            kind=FactAmendment.CORRECTION, text=corrected, reason=why, recorded_by=recorded_by
        )

    def add_to_facts(self, addendum: Sealed, reason: Sealed | None, recorded_by: str) -> None:
        """Principle Accurate: an addendum adds what has since been learnt, with who and why;
        shares from now on carry it after the facts."""
        self.check_open_for_casework()
        why = accuracy.check_amendment_has_reason(reason)
        self._facts_amended(
            kind=FactAmendment.ADDENDUM, text=addendum, reason=why, recorded_by=recorded_by
        )

    @event(FactsAmended)
    def _facts_amended(self, kind: str, text: Sealed, reason: Sealed, recorded_by: str) -> None:
        superseded = self.facts if kind == FactAmendment.CORRECTION else None
        self.fact_amendments.append(FactAmendment(kind, text, reason, recorded_by, superseded))
        if kind == FactAmendment.CORRECTION:
            self.facts = text

    @property
    def addenda(self) -> list[FactAmendment]:
        return [a for a in self.fact_amendments if a.kind == FactAmendment.ADDENDUM]

    # -- consent -----------------------------------------------------------------------------------

    def seek_consent(self, from_whom: ConsentFrom, recorded_by: str) -> None:
        """Golden rule 2: "seek their agreement, unless it is unsafe or inappropriate"."""
        self.check_open_for_casework()
        self._record_consent(ConsentStatus.SOUGHT, from_whom, (), None, None, recorded_by)

    def record_consent_given(
        self, from_whom: ConsentFrom, scope: Sequence[str], recorded_by: str
    ) -> None:
        """ "When you gain consent to share information, it must be explicit, and freely
        given." The scope names the recipients it covers (empty: any)."""
        self.check_open_for_casework()
        self._record_consent(ConsentStatus.GIVEN, from_whom, tuple(scope), None, None, recorded_by)

    def record_consent_refused(
        self, from_whom: ConsentFrom, note: Sealed | None, recorded_by: str
    ) -> None:
        """Golden rule 4: "where possible, respect the wishes of those who do not consent".
        A refusal after consent was given is its withdrawal (footnote 1)."""
        self.check_open_for_casework()
        status = (
            ConsentStatus.WITHDRAWN
            if without_consent.refusal_is_withdrawal(self.consent.status)
            else ConsentStatus.REFUSED
        )
        self._record_consent(status, from_whom, (), None, note, recorded_by)

    def record_consent_withdrawn(
        self, from_whom: ConsentFrom | None, note: Sealed | None, recorded_by: str
    ) -> None:
        """Footnote 1: consent "may be withdrawn at any time". What was sent stays sent."""
        self.check_open_for_casework()
        policy.check_consent_can_be_withdrawn(self.consent.status)
        self._record_consent(
            ConsentStatus.WITHDRAWN,
            from_whom or self.consent.from_whom,
            (),
            None,
            note,
            recorded_by,
        )

    def record_consent_not_sought(
        self,
        reason: NotSoughtReason | None,
        note: Sealed | None,
        recorded_by: str,
        delay_harm: Sealed | None = None,
    ) -> None:
        """Consent may be not sought where "it is unsafe or inappropriate to do so" or "if to
        gain consent could place a child at risk"; the reason is required, and "delay" only
        when delay would harm (principle Timely)."""
        self.check_open_for_casework()
        why = policy.check_consent_not_sought_has_reason(reason)
        without_consent.check_delay_is_a_reason_here(why, self.urgent, delay_harm)
        self._record_consent(
            ConsentStatus.NOT_SOUGHT, None, (), why, note, recorded_by, delay_harm=delay_harm
        )

    def _record_consent(
        self,
        status: ConsentStatus,
        from_whom: ConsentFrom | None,
        scope: tuple[str, ...],
        reason: NotSoughtReason | None,
        note: Sealed | None,
        recorded_by: str,
        delay_harm: Sealed | None = None,
    ) -> None:
        self._consent_recorded(
            status=status.value,
            from_whom=from_whom.value if from_whom else None,
            scope=list(scope),
            not_sought_reason=reason.value if reason else None,
            note=note,
            recorded_by=recorded_by,
            delay_harm=delay_harm,
        )

    @event(ConsentRecorded)
    def _consent_recorded(
        self,
        status: str,
        from_whom: str | None,
        scope: list[str],
        not_sought_reason: str | None,
        note: Sealed | None,
        recorded_by: str,
        delay_harm: Sealed | None = None,
    ) -> None:
        self.consent = Consent(
            status=ConsentStatus(status),
            from_whom=ConsentFrom(from_whom) if from_whom else None,
            scope=tuple(scope),
            not_sought_reason=NotSoughtReason(not_sought_reason) if not_sought_reason else None,
            note=note,
            recorded_by=recorded_by,
            delay_harm=delay_harm,
        )
        self.consent_history.append(self.consent)

    # -- lawful basis ------------------------------------------------------------------------------

    def record_lawful_basis(
        self,
        article6: Article6Basis,
        article9: Article9Condition | None,
        justification: Sealed | None,
        recorded_by: str,
        no_special_category_data: Sealed | None = None,
    ) -> None:
        """Golden rule 4: "you may share information without consent if, in your judgement,
        there is a lawful basis to do so": an Art. 6 basis other than consent and, for special
        category data, an Art. 9 condition other than explicit consent."""
        self.check_open_for_casework()
        justified = policy.check_basis_has_justification(justification)
        without_consent.check_basis_is_not_consent(article6, article9)
        without_consent.check_special_category_condition(article9, no_special_category_data)
        self._lawful_basis_recorded(
            article6=article6.value,
            article9=article9.value if article9 else None,
            justification=justified,
            recorded_by=recorded_by,
            no_special_category_data=no_special_category_data,
        )

    @event(LawfulBasisRecorded)
    def _lawful_basis_recorded(
        self,
        article6: str,
        article9: str | None,
        justification: Sealed,
        recorded_by: str,
        no_special_category_data: Sealed | None = None,
    ) -> None:
        self.lawful_basis = LawfulBasis(
            Article6Basis(article6),
            Article9Condition(article9) if article9 else None,
            justification,
            recorded_by,
            no_special_category_data,
        )

    # -- the decision ------------------------------------------------------------------------------

    def question_for(
        self, has_purpose: bool, agency_id: str, kind: AgencyKind, identifiable: bool
    ) -> policy.SharingQuestion:
        """The flowchart's four questions, answered from this record for one recipient."""
        return policy.SharingQuestion(
            has_purpose=has_purpose,
            consent=self.consent.status,
            recipient_within_consent_scope=self.consent.covers(agency_id, kind),
            identifiable=identifiable,
            has_lawful_basis=self.has_lawful_basis_without_consent,
        )

    @property
    def has_lawful_basis_without_consent(self) -> bool:
        """A recorded basis counts only if it is not consent and covers special category
        data (a basis recorded before these rules were enforced may be neither)."""
        return (
            self.lawful_basis is not None
            and self.lawful_basis.lets_identifiable_share_without_consent
        )

    def withdrawal_withholds(self, referral: Referral) -> bool:
        """Footnote 1: consent "may be withdrawn at any time". A referral not yet delivered
        whose share rested on consent is withheld once the flowchart, asked again with consent
        as it now stands, no longer lets it go (no lawful basis without consent recorded).
        What was delivered stays delivered."""
        if not referral.is_open:
            return False
        decision = self.decisions[referral.decision_no - 1]
        decided = decision.recipient(referral.agency_id)
        if decided is None or decided.decided_at_step is not FlowchartStep.CONSENT:
            return False
        again = policy.when_to_share(
            self.question_for(True, decided.agency_id, decided.kind, referral.identifiable)
        )
        return not again.share

    def decide_to_share(
        self,
        purpose: Sealed | None,
        recipients: Sequence[RecipientChoice],
        reasons: Sealed | None,
        decided_by: str,
        identifiable: bool = True,
        police_not_told_reason: Sealed | None = None,
        redacted_facts: Sealed | None = None,
        redacted_opinion: Sealed | None = None,
        lado_not_told_reason: Sealed | None = None,
    ) -> list[Referral]:
        """Decide to share, with reasons; returns the referrals to prepare, one per recipient.

        Golden rule 7: "If you decide to share, then record what you have shared, with whom
        and for what purpose."
        """
        self.check_open_for_casework()
        reasons = policy.check_decision_has_reasons(reasons)
        purpose = policy.check_share_has_purpose(purpose)
        policy.check_share_names_recipients(recipients)
        policy.check_police_informed_when_urgent(
            self.immediate_risk,
            self.crime_suspected,
            [r.kind for r in recipients],
            police_not_told_reason,
        )
        allegations.check_lado_among_recipients(
            self.allegation is not None, [r.kind for r in recipients], lado_not_told_reason
        )
        decided = [self.decide_for(r, identifiable) for r in recipients]
        anonymising.check_redacted_text_given(
            identifiable,
            {f for r in decided for f in r.fields},
            self.opinion is not None,
            redacted_facts,
            redacted_opinion,
        )
        furthest = policy.furthest_step([r.decided_at_step for r in decided])
        deciding = next(r for r in decided if r.decided_at_step is furthest)
        decision_no = len(self.decisions) + 1
        self._sharing_decided(
            decision_no=decision_no,
            share=True,
            purpose=purpose,
            reasons=reasons,
            decided_at_step=furthest.value,
            path=list(deciding.path),
            identifiable=identifiable,
            recipients=[r.as_event_data() for r in decided],
            police_not_told_reason=police_not_told_reason,
            decided_by=decided_by,
            redacted_facts=None if identifiable else redacted_facts,
            redacted_opinion=None if identifiable else redacted_opinion,
        )
        return [
            Referral(
                concern_id=self.id,
                child_id=self.child_id,
                decision_no=decision_no,
                agency_id=r.agency_id,
                agency_kind=r.kind.value,
                fields=[f.value for f in r.fields],
                urgent=self.urgent,
                identifiable=identifiable,
            )
            for r in decided
        ]

    def decide_for(self, choice: RecipientChoice, identifiable: bool) -> RecipientDecision:
        """The flowchart and the "how" principles for one recipient; refuses what they refuse."""
        answer = policy.when_to_share(
            self.question_for(True, choice.agency_id, choice.kind, identifiable)
        )
        policy.check_share_allowed(answer, choice.agency_id)
        policy.check_fields_within_profile(
            choice.agency_id, choice.fields, choice.profile, choice.widening_reason
        )
        policy.check_packet_adequate(choice.fields)
        policy.check_anonymised_share_carries_no_identity(identifiable, choice.fields)
        return RecipientDecision(
            agency_id=choice.agency_id,
            kind=choice.kind,
            fields=tuple(sorted(choice.fields)),
            decided_at_step=answer.decided_at,
            path=answer.path,
            widening_reason=choice.widening_reason,
        )

    def decide_not_to_share(
        self, reasons: Sealed | None, decided_by: str, purpose: Sealed | None = None
    ) -> None:
        """Golden rule 7: record the decision "whether it is to share information or not";
        principle Record: "If the decision is not to share, it is good practice to record the
        reasons"."""
        self.check_open_for_casework()
        reasons = policy.check_decision_has_reasons(reasons)
        answer = policy.when_to_share(
            self.question_for(purpose is not None, "", AgencyKind.OTHER, True)
        )
        step = answer.decided_at if not answer.share else FlowchartStep.DSL_JUDGEMENT
        self._sharing_decided(
            decision_no=len(self.decisions) + 1,
            share=False,
            purpose=purpose,
            reasons=reasons,
            decided_at_step=step.value,
            path=list(answer.path),
            identifiable=True,
            recipients=[],
            police_not_told_reason=None,
            decided_by=decided_by,
        )

    @event(SharingDecided)
    def _sharing_decided(
        self,
        decision_no: int,
        share: bool,
        purpose: Sealed | None,
        reasons: Sealed,
        decided_at_step: str,
        path: list[str],
        identifiable: bool,
        recipients: list[dict[str, object]],
        police_not_told_reason: Sealed | None,
        decided_by: str,
        redacted_facts: Sealed | None = None,
        redacted_opinion: Sealed | None = None,
    ) -> None:
        self.decisions.append(
            Decision(
                decision_no=decision_no,
                share=share,
                purpose=purpose,
                reasons=reasons,
                decided_at_step=FlowchartStep(decided_at_step),
                path=tuple(path),
                identifiable=identifiable,
                recipients=tuple(RecipientDecision.from_event_data(r) for r in recipients),
                police_not_told_reason=police_not_told_reason,
                decided_by=decided_by,
                redacted_facts=redacted_facts,
                redacted_opinion=redacted_opinion,
            )
        )

    # -- transparency ------------------------------------------------------------------------------

    def record_family_informed(self, recorded_by: str) -> None:
        """How, last step: "be transparent with the individual, informing them that the
        information has been shared"."""
        self.check_open_for_casework()
        self._family_informed(informed=True, reason=None, recorded_by=recorded_by)

    def record_family_not_informed(self, reason: Sealed | None, recorded_by: str) -> None:
        """ "... as long as doing so does not create or increase the risk of harm"."""
        self.check_open_for_casework()
        why = policy.check_not_informed_has_reason(reason)
        self._family_informed(informed=False, reason=why, recorded_by=recorded_by)

    @event(FamilyInformed)
    def _family_informed(self, informed: bool, reason: Sealed | None, recorded_by: str) -> None:
        self.family_informed = informed
        self.family_not_informed_reason = reason

    def record_family_told_at_outset(self, account: Sealed | None, recorded_by: str) -> None:
        """Golden rule 2: "Be open and honest with the individual (and/or their family where
        appropriate) from the outset about why, what, how and with whom information will, or
        could be shared". Recordable at any point: the outset comes before any decision."""
        self.check_open_for_casework()
        told = openness.check_family_told_what_why_and_with_whom(account)
        self._family_told_at_outset(told=True, account=told, reason=None, recorded_by=recorded_by)

    def record_family_not_told_at_outset(self, reason: Sealed | None, recorded_by: str) -> None:
        """Golden rule 2: "... unless it is unsafe or inappropriate to do so"."""
        self.check_open_for_casework()
        why = openness.check_family_not_told_has_reason(reason)
        self._family_told_at_outset(told=False, account=None, reason=why, recorded_by=recorded_by)

    @event(FamilyToldAtOutset)
    def _family_told_at_outset(
        self, told: bool, account: Sealed | None, reason: Sealed | None, recorded_by: str
    ) -> None:
        self.family_told_at_outset = told
        self.family_outset_account = account
        self.family_not_told_at_outset_reason = reason

    # -- retention, erasure, closing ---------------------------------------------------------------

    def review_retention(
        self,
        outcome: RetentionOutcome,
        reason: Sealed | str,
        next_review: date | None,
        reviewed_by: str,
    ) -> None:
        """Principle Record: "there should be a review process scheduled at regular intervals
        to ensure data is not retained where it is unnecessary to do so"."""
        policy.check_retention_review_complete(outcome, reason, next_review)
        policy.check_erasure_is_reviewed_per_child(outcome, self.child_data_erased)
        self._retention_reviewed(
            outcome=outcome.value, reason=reason, next_review=next_review, reviewed_by=reviewed_by
        )

    @event(RetentionReviewed)
    def _retention_reviewed(
        self, outcome: str, reason: Sealed | str, next_review: date | None, reviewed_by: str
    ) -> None:
        self.retention_outcome = RetentionOutcome(outcome)
        self.retention_next_review = next_review

    def record_child_data_erased(self, erased_by: str) -> None:
        if not self.child_data_erased:
            self._child_data_erased(erased_by=erased_by)

    @event(ChildDataErased)
    def _child_data_erased(self, erased_by: str) -> None:
        self.child_data_erased = True

    def close(self, reason: Sealed | str, closed_by: str) -> None:
        self.check_open_for_casework()
        self._closed(reason=reason, closed_by=closed_by)

    @event(Closed)
    def _closed(self, reason: Sealed | str, closed_by: str) -> None:
        self.closed = True

    # -- checks and views --------------------------------------------------------------------------

    def check_open_for_casework(self) -> None:
        """Nothing is recorded on an erased child's concern but retention and audit events;
        a closed concern takes no more casework."""
        if self.child_data_erased:
            raise ChildErased(
                "erasure",
                "this child's personal data has been erased; only retention reviews are recorded",
            )
        if self.closed:
            raise ConcernClosed("record", "this concern is closed")

    @property
    def urgent(self) -> bool:
        """Principle Timely: "Timeliness is key in emergency situations"."""
        return self.immediate_risk or self.crime_suspected

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def awaiting_decision(self) -> bool:
        return not self.decisions and not self.closed and not self.child_data_erased


stable_topics(Concern, "safeshare:concern")
