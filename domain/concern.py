"""A concern: one worry about one child, raised by one member of staff. The case aggregate.

Each command is named in the policy's words and guarded by a named check from
`domain.policy`; guards run before any event is triggered, so a refused command records
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import policy
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
from domain.copying import CheapCopy
from domain.errors import ChildErased, ConcernClosed, PolicyRefusal
from domain.packet_fields import PacketField
from domain.referral import Referral
from domain.sealed import Sealed
from domain.topics import stable_topics


@dataclass(frozen=True, slots=True)
class RecipientChoice:
    """One recipient of a share and what it receives."""

    agency_id: str
    kind: AgencyKind
    fields: frozenset[PacketField]
    profile: frozenset[PacketField]
    widening_reason: Sealed | None = None

    def __deepcopy__(self, memo: dict[int, object]) -> RecipientChoice:
        return self  # immutable: copies of the aggregate may share it


@dataclass(frozen=True, slots=True)
class LawfulBasis:
    article6: Article6Basis
    article9: Article9Condition | None
    justification: Sealed
    recorded_by: str

    def __deepcopy__(self, memo: dict[int, object]) -> LawfulBasis:
        return self  # immutable: copies of the aggregate may share it


@dataclass(frozen=True, slots=True)
class Consent:
    status: ConsentStatus
    from_whom: ConsentFrom | None = None
    scope: tuple[str, ...] = ()
    not_sought_reason: NotSoughtReason | None = None
    note: Sealed | None = None
    recorded_by: str = ""

    def covers(self, agency_id: str, kind: AgencyKind) -> bool:
        """Consent given for named recipients covers only those (empty scope: any)."""
        return not self.scope or agency_id in self.scope or kind.value in self.scope

    def __deepcopy__(self, memo: dict[int, object]) -> Consent:
        return self  # immutable: copies of the aggregate may share it


class Concern(CheapCopy, Aggregate):
    """The case record of one concern."""

    class Raised(Aggregate.Created):
        TOPIC = "safeshare:concern:raised"
        child_id: UUID
        category: str
        facts: Sealed
        opinion: Sealed | None
        observed_at: datetime
        immediate_risk: bool
        crime_suspected: bool
        raised_by: str

    class AdviceSought(Aggregate.Event):
        TOPIC = "safeshare:concern:advice-sought"
        from_whom: str
        question: Sealed
        answer: Sealed | None
        sought_by: str

    class ConsentRecorded(Aggregate.Event):
        TOPIC = "safeshare:concern:consent-recorded"
        status: str
        from_whom: str | None
        scope: list[str]
        not_sought_reason: str | None
        note: Sealed | None
        recorded_by: str

    class LawfulBasisRecorded(Aggregate.Event):
        TOPIC = "safeshare:concern:lawful-basis-recorded"
        article6: str
        article9: str | None
        justification: Sealed
        recorded_by: str

    class SharingDecided(Aggregate.Event):
        TOPIC = "safeshare:concern:sharing-decided"
        decision_no: int
        share: bool
        purpose: Sealed | None
        reasons: Sealed
        decided_at_step: str
        path: list[str]
        identifiable: bool
        recipients: list[dict[str, Any]]
        police_not_told_reason: Sealed | None
        decided_by: str

    class FamilyInformed(Aggregate.Event):
        TOPIC = "safeshare:concern:family-informed"
        informed: bool
        reason: Sealed | None
        recorded_by: str

    class RetentionReviewed(Aggregate.Event):
        TOPIC = "safeshare:concern:retention-reviewed"
        outcome: str
        reason: str
        next_review: date | None
        reviewed_by: str

    class DetailsRecorded(Aggregate.Event):
        """What the raiser adds beside facts and opinion: the child's own words, where,
        who else was present, the body-map marks, and the account that raised it."""

        TOPIC = "safeshare:concern:details-recorded"
        child_words: Sealed | None
        location: Sealed | None
        others_present: Sealed | None
        body_marks: list[dict[str, Any]]
        raised_by_account: str | None
        recorded_by: str

    class ChildDataErased(Aggregate.Event):
        TOPIC = "safeshare:concern:child-data-erased"
        erased_by: str

    class Closed(Aggregate.Event):
        TOPIC = "safeshare:concern:closed"
        reason: str
        closed_by: str

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
        self.advice: list[dict[str, Any]] = []
        self.consent = Consent(ConsentStatus.NONE)
        self.consent_history: list[Consent] = []
        self.lawful_basis: LawfulBasis | None = None
        self.decisions: list[dict[str, Any]] = []
        self.family_informed: bool | None = None
        self.family_not_informed_reason: Sealed | None = None
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
        self, from_whom: str, question: Sealed, answer: Sealed | None, sought_by: str
    ) -> None:
        """Golden rule 3: "Seek advice from other practitioners ... without disclosing the
        identity of the individual where possible." The record names the adviser, not the
        child."""
        self.check_open_for_casework()
        self._advice_sought(
            from_whom=from_whom, question=question, answer=answer, sought_by=sought_by
        )

    @event(AdviceSought)
    def _advice_sought(
        self, from_whom: str, question: Sealed, answer: Sealed | None, sought_by: str
    ) -> None:
        self.advice.append(
            {"from": from_whom, "question": question, "answer": answer, "by": sought_by}
        )

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
        """Golden rule 4: "where possible, respect the wishes of those who do not consent"."""
        self.check_open_for_casework()
        self._record_consent(ConsentStatus.REFUSED, from_whom, (), None, note, recorded_by)

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
        self, reason: NotSoughtReason | None, note: Sealed | None, recorded_by: str
    ) -> None:
        """Consent may be not sought where "it is unsafe or inappropriate to do so" or "if to
        gain consent could place a child at risk"; the reason is required."""
        self.check_open_for_casework()
        policy.check_consent_not_sought_has_reason(reason is not None)
        self._record_consent(ConsentStatus.NOT_SOUGHT, None, (), reason, note, recorded_by)

    def _record_consent(
        self,
        status: ConsentStatus,
        from_whom: ConsentFrom | None,
        scope: tuple[str, ...],
        reason: NotSoughtReason | None,
        note: Sealed | None,
        recorded_by: str,
    ) -> None:
        self._consent_recorded(
            status=status.value,
            from_whom=from_whom.value if from_whom else None,
            scope=list(scope),
            not_sought_reason=reason.value if reason else None,
            note=note,
            recorded_by=recorded_by,
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
    ) -> None:
        self.consent = Consent(
            status=ConsentStatus(status),
            from_whom=ConsentFrom(from_whom) if from_whom else None,
            scope=tuple(scope),
            not_sought_reason=NotSoughtReason(not_sought_reason) if not_sought_reason else None,
            note=note,
            recorded_by=recorded_by,
        )
        self.consent_history.append(self.consent)

    # -- lawful basis ------------------------------------------------------------------------------

    def record_lawful_basis(
        self,
        article6: Article6Basis,
        article9: Article9Condition | None,
        justification: Sealed | None,
        recorded_by: str,
    ) -> None:
        """Golden rule 4: "you may share information without consent if, in your judgement,
        there is a lawful basis to do so"."""
        self.check_open_for_casework()
        policy.check_basis_has_justification(justification is not None)
        assert justification is not None
        self._lawful_basis_recorded(
            article6=article6.value,
            article9=article9.value if article9 else None,
            justification=justification,
            recorded_by=recorded_by,
        )

    @event(LawfulBasisRecorded)
    def _lawful_basis_recorded(
        self, article6: str, article9: str | None, justification: Sealed, recorded_by: str
    ) -> None:
        self.lawful_basis = LawfulBasis(
            Article6Basis(article6),
            Article9Condition(article9) if article9 else None,
            justification,
            recorded_by,
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
            has_lawful_basis=self.lawful_basis is not None,
        )

    def decide_to_share(
        self,
        purpose: Sealed | None,
        recipients: Sequence[RecipientChoice],
        reasons: Sealed | None,
        decided_by: str,
        identifiable: bool = True,
        police_not_told_reason: Sealed | None = None,
    ) -> list[Referral]:
        """Decide to share, with reasons; returns the referrals to prepare, one per recipient.

        Golden rule 7: "If you decide to share, then record what you have shared, with whom
        and for what purpose."
        """
        self.check_open_for_casework()
        policy.check_decision_has_reasons(reasons is not None)
        policy.check_share_has_purpose(purpose is not None)
        assert reasons is not None
        if not recipients:
            raise PolicyRefusal("golden rule 7", "a decision to share must name its recipients")
        kinds = [r.kind for r in recipients]
        policy.check_police_informed_when_urgent(
            self.immediate_risk, self.crime_suspected, kinds, police_not_told_reason is not None
        )
        entries: list[dict[str, Any]] = []
        steps: list[FlowchartStep] = []
        path: list[str] = []
        for r in recipients:
            answer = policy.when_to_share(
                self.question_for(True, r.agency_id, r.kind, identifiable)
            )
            policy.check_share_allowed(answer, r.agency_id)
            policy.check_fields_within_profile(
                r.agency_id, r.fields, r.profile, r.widening_reason is not None
            )
            policy.check_packet_adequate(r.fields)
            policy.check_anonymised_share_carries_no_identity(identifiable, r.fields)
            steps.append(answer.decided_at)
            path = list(answer.path)
            entries.append(
                {
                    "agency_id": r.agency_id,
                    "kind": r.kind.value,
                    "fields": sorted(f.value for f in r.fields),
                    "widening_reason": r.widening_reason,
                    "decided_at_step": answer.decided_at.value,
                    "path": list(answer.path),
                }
            )
        decision_no = len(self.decisions) + 1
        self._sharing_decided(
            decision_no=decision_no,
            share=True,
            purpose=purpose,
            reasons=reasons,
            decided_at_step=max(steps, key=_step_order).value,
            path=path,
            identifiable=identifiable,
            recipients=entries,
            police_not_told_reason=police_not_told_reason,
            decided_by=decided_by,
        )
        return [
            Referral(
                concern_id=self.id,
                child_id=self.child_id,
                decision_no=decision_no,
                agency_id=e["agency_id"],
                agency_kind=e["kind"],
                fields=e["fields"],
                urgent=self.urgent,
                identifiable=identifiable,
            )
            for e in entries
        ]

    def decide_not_to_share(
        self, reasons: Sealed | None, decided_by: str, purpose: Sealed | None = None
    ) -> None:
        """Golden rule 7: record the decision "whether it is to share information or not";
        principle Record: "If the decision is not to share, it is good practice to record the
        reasons"."""
        self.check_open_for_casework()
        policy.check_decision_has_reasons(reasons is not None)
        assert reasons is not None
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
        recipients: list[dict[str, Any]],
        police_not_told_reason: Sealed | None,
        decided_by: str,
    ) -> None:
        self.decisions.append(
            {
                "decision_no": decision_no,
                "share": share,
                "purpose": purpose,
                "reasons": reasons,
                "decided_at_step": decided_at_step,
                "path": list(path),
                "identifiable": identifiable,
                "recipients": list(recipients),
                "police_not_told_reason": police_not_told_reason,
                "decided_by": decided_by,
            }
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
        policy.check_not_informed_has_reason(reason is not None)
        self._family_informed(informed=False, reason=reason, recorded_by=recorded_by)

    @event(FamilyInformed)
    def _family_informed(self, informed: bool, reason: Sealed | None, recorded_by: str) -> None:
        self.family_informed = informed
        self.family_not_informed_reason = reason

    # -- retention, erasure, closing ---------------------------------------------------------------

    def review_retention(
        self, outcome: RetentionOutcome, reason: str, next_review: date | None, reviewed_by: str
    ) -> None:
        """Principle Record: "there should be a review process scheduled at regular intervals
        to ensure data is not retained where it is unnecessary to do so"."""
        if outcome is RetentionOutcome.KEEP and next_review is None:
            raise PolicyRefusal("record: retention", "keeping the record needs a next review date")
        if not reason.strip():
            raise PolicyRefusal("record: retention", "a retention review needs a reason")
        self._retention_reviewed(
            outcome=outcome.value, reason=reason, next_review=next_review, reviewed_by=reviewed_by
        )

    @event(RetentionReviewed)
    def _retention_reviewed(
        self, outcome: str, reason: str, next_review: date | None, reviewed_by: str
    ) -> None:
        self.retention_outcome = RetentionOutcome(outcome)
        self.retention_next_review = next_review

    def record_child_data_erased(self, erased_by: str) -> None:
        if not self.child_data_erased:
            self._child_data_erased(erased_by=erased_by)

    @event(ChildDataErased)
    def _child_data_erased(self, erased_by: str) -> None:
        self.child_data_erased = True

    def close(self, reason: str, closed_by: str) -> None:
        self.check_open_for_casework()
        self._closed(reason=reason, closed_by=closed_by)

    @event(Closed)
    def _closed(self, reason: str, closed_by: str) -> None:
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
    def latest_decision(self) -> dict[str, Any] | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def awaiting_decision(self) -> bool:
        return not self.decisions and not self.closed and not self.child_data_erased


_ORDER = [
    FlowchartStep.PURPOSE,
    FlowchartStep.CONSENT,
    FlowchartStep.IDENTIFIABLE,
    FlowchartStep.LAWFUL_BASIS,
    FlowchartStep.DSL_JUDGEMENT,
]


def _step_order(step: FlowchartStep) -> int:
    return _ORDER.index(step)


stable_topics(Concern, "safeshare:concern")
