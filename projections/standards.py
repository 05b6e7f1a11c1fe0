"""The timeliness standards and how one step is measured against them (pure functions).

DESIGN.md, "Timeliness standards (configurable; defaults from statutory guidance)":

| immediate risk or suspected crime -> police / MASH referral dispatched | immediately (default
  target 15 minutes, alert at once) |
| concern raised -> DSL decision | same working day |
| decision to share -> referral delivered | same working day (urgent: minutes) |
| child-protection file transfer to a new school | within 5 school days (KCSIE) |

"Referral -> local-authority acknowledgement and decision within one working day (Working
Together 2023)" is not measured: the record has the agency's delivery receipt but no event for
the local authority's decision yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from projections.workdays import Calendar, deadline, elapsed_days


class Step(StrEnum):
    DECISION = "decision"  # concern raised -> DSL decision
    URGENT_DISPATCH = "urgent-dispatch"  # immediate risk / crime -> police or MASH dispatched
    DELIVERY = "delivery"  # decision to share -> referral delivered
    TRANSFER = "transfer"  # child-protection file transfer -> delivered to the new school
    LA_DECISION = "la-decision"  # referral delivered -> local authority acknowledges, decides
    LADO_REFERRAL = "lado-referral"  # allegation against staff raised -> LADO referral delivered


STEP_LABELS = {
    Step.DECISION: "Concern raised to DSL decision",
    Step.URGENT_DISPATCH: "Urgent referral dispatched to police / MASH",
    Step.DELIVERY: "Decision to share to referral delivered",
    Step.TRANSFER: "Child-protection file transferred to new school",
    Step.LA_DECISION: "Referral to local-authority acknowledgement and decision",
    Step.LADO_REFERRAL: "Allegation against staff to LADO referral delivered",
}

URGENT_KINDS = frozenset({"police", "mash"})
LOCAL_AUTHORITY_KINDS = frozenset({"mash", "social-care"})
TRANSFER_KIND = "school"
LADO_KIND = "lado"


@dataclass(frozen=True)
class Standards:
    """The school's targets; the defaults are DESIGN.md's."""

    urgent_dispatch_minutes: int = 15
    decision_working_days: int = 0
    delivery_working_days: int = 0
    urgent_delivery_minutes: int = 60
    transfer_school_days: int = 5
    la_decision_working_days: int = 1
    lado_working_days: int = 1


@dataclass(frozen=True)
class StepResult:
    """One step of one record against its standard. `end` is None while it is still open."""

    step: Step
    record_id: str
    concern_id: str
    start: datetime
    end: datetime | None
    due: datetime
    urgent: bool
    working_days: int | None

    @property
    def breached(self) -> bool:
        return self.end is not None and self.end > self.due

    def overdue(self, now: datetime) -> bool:
        return self.end is None and now > self.due

    @property
    def hours(self) -> float | None:
        if self.end is None:
            return None
        return max((self.end - self.start).total_seconds(), 0.0) / 3600


def _t(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def concern_steps(state: dict[str, Any], std: Standards, cal: Calendar) -> list[StepResult]:
    """Concern raised -> DSL decision: "same working day"."""
    raised = _t(state.get("raised_at"))
    if raised is None:
        return []
    decided = _t(state.get("decided_at"))
    return [
        StepResult(
            Step.DECISION,
            state["id"],
            state["id"],
            raised,
            decided,
            deadline(cal, raised, std.decision_working_days),
            bool(state.get("urgent")),
            elapsed_days(cal, raised, decided) if decided else None,
        )
    ]


def referral_steps(state: dict[str, Any], std: Standards, cal: Calendar) -> list[StepResult]:
    prepared = _t(state.get("prepared_at"))
    if prepared is None:
        return []
    urgent = bool(state.get("urgent"))
    kind = str(state.get("agency_kind"))
    delivered = _t(state.get("delivered_at"))
    rid, cid = state["id"], str(state.get("concern_id"))
    out: list[StepResult] = []
    if kind == TRANSFER_KIND:
        # KCSIE: "within 5 days"; closed by the new school's receipt (a school with safeshare
        # signs one; for one without, the DSL records its acknowledgement).
        received = _t(state.get("receipt_at")) or _t(state.get("acknowledged_at"))
        due = deadline(cal, prepared, std.transfer_school_days, school=True)
        days = elapsed_days(cal, prepared, received, school=True) if received else None
        return [StepResult(Step.TRANSFER, rid, cid, prepared, received, due, urgent, days)]
    raised = _t(state.get("raised_at")) or prepared
    if kind == LADO_KIND:
        # KCSIE Part 4: an allegation against staff is referred to the LADO "within one
        # working day".
        due = deadline(cal, raised, std.lado_working_days)
        days = elapsed_days(cal, raised, delivered) if delivered else None
        return [StepResult(Step.LADO_REFERRAL, rid, cid, raised, delivered, due, urgent, days)]
    if urgent and kind in URGENT_KINDS:
        dispatched = _t(state.get("dispatched_at"))
        due = raised + timedelta(minutes=std.urgent_dispatch_minutes)
        out.append(StepResult(Step.URGENT_DISPATCH, rid, cid, raised, dispatched, due, True, None))
    if urgent:
        due = prepared + timedelta(minutes=std.urgent_delivery_minutes)
    else:
        due = deadline(cal, prepared, std.delivery_working_days)
    days = elapsed_days(cal, prepared, delivered) if delivered else None
    out.append(StepResult(Step.DELIVERY, rid, cid, prepared, delivered, due, urgent, days))
    if delivered is not None and kind in LOCAL_AUTHORITY_KINDS:
        # Working Together 2023: the local authority acknowledges and decides "within one
        # working day" of receiving a referral.
        acked = _t(state.get("acknowledged_at"))
        due = deadline(cal, delivered, std.la_decision_working_days)
        days = elapsed_days(cal, delivered, acked) if acked else None
        out.append(StepResult(Step.LA_DECISION, rid, cid, delivered, acked, due, urgent, days))
    return out
