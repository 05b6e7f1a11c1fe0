"""A record turned into what a reader sees: the child, the concern, a referral and one line of a
case's history, sealed text opened for a reader allowed to read it ("[erased]" once the child's
key is gone). `ViewService` (views.py) and the auditor's replay build their pages from these."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actors import actor_of
from domain.child import Child
from domain.codes import label
from domain.concern import Concern
from domain.referral import Referral
from domain.sealed import Sealed
from safeshare.adapters.sealing import ERASED
from safeshare.services.context import Context
from safeshare.services.read_models import ChildView, ConcernView, EventView, ReferralView


class RecordViews:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def unseal(self, child_id: UUID, sealed: Sealed | None) -> str | None:
        return self.ctx.sealer.unseal(child_id, sealed)

    def child_view(self, child: Child | None, child_id: UUID | None = None) -> ChildView:
        """The child as this reader sees them: "[erased]" once erased; only the id when the
        child is not (or was not yet) on record."""
        u = self.unseal
        if child is None:
            return ChildView(child_id=str(child_id))
        if child.erased:
            return ChildView(child_id=str(child.id), erased=True, name=ERASED, dob=ERASED)
        return ChildView(
            child_id=str(child.id),
            name=u(child.id, child.name),
            dob=u(child.id, child.date_of_birth),
            upn=u(child.id, child.upn),
            nhs_number=u(child.id, child.nhs_number),
            address=u(child.id, child.address),
        )

    def concern_view(self, c: Concern) -> ConcernView:
        u = self.unseal
        cid = c.child_id
        child = self.ctx.app.find(cid, Child)
        basis = c.lawful_basis
        return ConcernView.model_validate(
            {
                "concern_id": str(c.id),
                "child": self.child_view(child, cid),
                "category": c.category.value,
                "category_label": label(c.category),
                "facts": u(cid, c.facts),
                "opinion": u(cid, c.opinion),
                "fact_amendments": [
                    {
                        "kind": a.kind,
                        "text": u(cid, a.text),
                        "superseded": u(cid, a.superseded),
                        "reason": u(cid, a.reason),
                        "by": a.recorded_by,
                    }
                    for a in c.fact_amendments
                ],
                "observed_at": c.observed_at.isoformat(),
                "raised_at": c.created_on.isoformat(),
                "raised_by": c.raised_by,
                "immediate_risk": c.immediate_risk,
                "crime_suspected": c.crime_suspected,
                "urgent": c.urgent,
                "advice": [
                    {
                        "from": self.ctx.sealer.open_text(cid, a.from_whom),
                        "question": u(cid, a.question),
                        "answer": u(cid, a.answer),
                        "by": a.sought_by,
                        "child_identified": a.child_identified,
                        "identified_reason": u(cid, a.identified_reason),
                    }
                    for a in c.advice
                ],
                "consent": {
                    "status": c.consent.status.value,
                    "from": c.consent.from_whom.value if c.consent.from_whom else None,
                    "scope": list(c.consent.scope),
                    "not_sought_reason": (
                        c.consent.not_sought_reason.value if c.consent.not_sought_reason else None
                    ),
                    "note": u(cid, c.consent.note),
                    "delay_harm": u(cid, c.consent.delay_harm),
                },
                "lawful_basis": None
                if basis is None
                else {
                    "article6": basis.article6.value,
                    "article9": basis.article9.value if basis.article9 else None,
                    "justification": u(cid, basis.justification),
                    "no_special_category_data": u(cid, basis.no_special_category_data),
                    "recorded_by": basis.recorded_by,
                },
                "decisions": [
                    {
                        "decision_no": d.decision_no,
                        "share": d.share,
                        "purpose": u(cid, d.purpose),
                        "reasons": u(cid, d.reasons),
                        "decided_at_step": d.decided_at_step.value,
                        "path": list(d.path),
                        "identifiable": d.identifiable,
                        "recipients": [
                            {
                                "agency_id": r.agency_id,
                                "kind": r.kind.value,
                                "fields": [f.value for f in r.fields],
                                "decided_at_step": r.decided_at_step.value,
                                "path": list(r.path),
                            }
                            for r in d.recipients
                        ],
                        "police_not_told_reason": u(cid, d.police_not_told_reason),
                        "decided_by": d.decided_by,
                    }
                    for d in c.decisions
                ],
                "family_informed": c.family_informed,
                "family_not_informed_reason": u(cid, c.family_not_informed_reason),
                "family_told_at_outset": c.family_told_at_outset,
                "family_outset_account": u(cid, c.family_outset_account),
                "family_not_told_at_outset_reason": u(cid, c.family_not_told_at_outset_reason),
                "retention_next_review": (
                    c.retention_next_review.isoformat() if c.retention_next_review else None
                ),
                "child_data_erased": c.child_data_erased,
                "closed": c.closed,
                "transferred_from": c.transferred_from,
                "transferred_on": c.transferred_on.isoformat() if c.transferred_on else None,
                "allegation": None
                if c.allegation is None
                else {
                    "about": u(cid, c.allegation.subject),
                    "about_headteacher": c.allegation.about_headteacher,
                    "case_manager_role": c.allegation.case_manager_role.value,
                    "case_manager": c.allegation.case_manager,
                    "restricted_from": list(c.allegation.restricted_from),
                },
                "version": c.version,
            }
        )

    def referral_view(self, r: Referral) -> ReferralView:
        return ReferralView.model_validate(
            {
                "referral_id": str(r.id),
                "agency_id": r.agency_id,
                "agency_kind": r.agency_kind,
                "status": r.status.value,
                "urgent": r.urgent,
                "attempts": r.attempts,
                "fields": r.fields,
                "packet_sha256": r.packet_sha256,
                "receipt": r.receipt,
                "last_error": r.last_error,
                "withheld_reason": r.withheld_reason,
                "content_sha256": r.content_sha256,
            }
        )

    def event_view(self, child_id: UUID, e: Aggregate.Event) -> EventView:
        """One line of a case's history: what happened, when, by whom, and a sentence a
        person reads (sealed text opened only for a caller allowed to read the case)."""
        data: dict[str, Any] = {
            "type": str(getattr(e, "TOPIC", type(e).__name__)).rsplit(":", 1)[-1],
            "version": e.originator_version,
            "recorded_at": e.timestamp.isoformat(),
        }
        by = actor_of(e)
        if by is not None:
            data["by"] = by
        for key in (
            "status",
            "from_whom",
            "not_sought_reason",
            "article6",
            "article9",
            "share",
            "decided_at_step",
            "path",
            "informed",
            "told",
            "kind",
            "from_school",
            "transferred_on",
            "outcome",
            "category",
            "immediate_risk",
            "crime_suspected",
            "child_identified",
        ):
            if hasattr(e, key):
                data[key] = getattr(e, key)
        if hasattr(e, "recipients"):
            data["recipients"] = [r["agency_id"] for r in e.recipients]
        if isinstance(data.get("from_whom"), Sealed):  # advice: who advised, sealed
            data["from_whom"] = self.unseal(child_id, data["from_whom"])
        if hasattr(e, "reasons"):
            data["reasons"] = self.unseal(child_id, e.reasons)
        common = ("type", "version", "recorded_at", "by", "reasons", "recipients")
        return EventView(
            **{k: data[k] for k in common if k in data},
            summary=summarise(data),
            details={k: v for k, v in data.items() if k not in common},
        )


def summarise(e: dict[str, Any]) -> str:
    """The sentence a DSL reads for one event of a case's history."""
    kind = str(e["type"])
    if kind == "raised":
        flags = [f for f in ("immediate_risk", "crime_suspected") if e.get(f)]
        extra = f" ({', '.join(f.replace('_', ' ') for f in flags)})" if flags else ""
        return f"Concern raised: {label(e['category'])}{extra}"
    if kind == "advice-sought":
        named = "child identified, reason recorded" if e.get("child_identified") else "anonymised"
        return f"Advice sought (golden rule 3; {named})"
    if kind == "consent-recorded":
        who = f" from {e['from_whom']}" if e.get("from_whom") else ""
        why = f": {label(e['not_sought_reason'])}" if e.get("not_sought_reason") else ""
        return f"Consent {e['status']}{who}{why}"
    if kind == "lawful-basis-recorded":
        a9 = f"; {label(e['article9'])}" if e.get("article9") else ""
        return f"Lawful basis: {label(e['article6'])}{a9}"
    if kind == "sharing-decided":
        if e["share"]:
            to = ", ".join(e.get("recipients", []))
            return f"Decided to share with {to} (decided at: {e['decided_at_step']})"
        return f"Decided not to share (decided at: {e['decided_at_step']})"
    if kind == "family-informed":
        return (
            "Family told information was shared"
            if e["informed"]
            else ("Family not told (reason recorded)")
        )
    if kind == "transferred-in":
        return f"Transferred from {e.get('from_school')} on {e.get('transferred_on')}"
    if kind == "allegation-recorded":
        return "Allegation against a member of staff (KCSIE Part 4): case restricted"
    if kind == "restricted-case-opened":
        return "BREAK-GLASS: restricted case opened by another DSL (reason recorded)"
    if kind == "facts-amended":
        what = (
            "corrected (the original kept as superseded)"
            if e["kind"] == "correction"
            else ("added to (addendum)")
        )
        return f"Facts {what}: principle Accurate"
    if kind == "family-told-at-outset":
        return (
            "Family told at the outset what, why and with whom (golden rule 2)"
            if e["told"]
            else "Family not told at the outset (reason recorded)"
        )
    if kind == "retention-reviewed":
        return f"Retention reviewed: {e['outcome']}"
    if kind == "child-data-erased":
        return "Child's personal data erased"
    return kind.replace("-", " ").capitalize()
