"""Monthly timeliness figures for the governors (pure functions over measured steps).

Issue 6: "aggregates per month: median and 90th percentile time to decision, to delivery,
share of urgent referrals dispatched within target, transfers within 5 school days". A month
is the school-time month in which the step began.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from projections.standards import Step, StepResult
from projections.workdays import SCHOOL_TZ


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): a value that actually occurred."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def month_of(moment: datetime) -> str:
    return moment.astimezone(SCHOOL_TZ).strftime("%Y-%m")


@dataclass(frozen=True)
class Month:
    month: str
    concerns: int
    decided: int
    decision_median_h: float | None
    decision_p90_h: float | None
    delivered: int
    delivery_median_h: float | None
    delivery_p90_h: float | None
    urgent_dispatched: int
    urgent_within_target: int
    transfers: int
    transfers_within_target: int
    breaches: int
    overdue: int

    @property
    def urgent_share(self) -> float | None:
        return (
            self.urgent_within_target / self.urgent_dispatched if self.urgent_dispatched else None
        )

    @property
    def transfer_share(self) -> float | None:
        return self.transfers_within_target / self.transfers if self.transfers else None


def monthly(results: Sequence[StepResult], now: datetime) -> list[Month]:
    by_month: dict[str, list[StepResult]] = {}
    for r in results:
        by_month.setdefault(month_of(r.start), []).append(r)
    out: list[Month] = []
    for month in sorted(by_month):
        rs = by_month[month]

        def done(step: Step, rs: list[StepResult] = rs) -> list[StepResult]:
            return [r for r in rs if r.step is step and r.end is not None]

        decision = [r.hours for r in done(Step.DECISION) if r.hours is not None]
        delivery = [r.hours for r in done(Step.DELIVERY) if r.hours is not None]
        urgent = done(Step.URGENT_DISPATCH)
        transfers = done(Step.TRANSFER)
        out.append(
            Month(
                month=month,
                concerns=sum(1 for r in rs if r.step is Step.DECISION),
                decided=len(decision),
                decision_median_h=median(decision),
                decision_p90_h=percentile(decision, 90),
                delivered=len(delivery),
                delivery_median_h=median(delivery),
                delivery_p90_h=percentile(delivery, 90),
                urgent_dispatched=len(urgent),
                urgent_within_target=sum(1 for r in urgent if not r.breached),
                transfers=len(transfers),
                transfers_within_target=sum(1 for r in transfers if not r.breached),
                breaches=sum(1 for r in rs if r.breached),
                overdue=sum(1 for r in rs if r.overdue(now)),
            )
        )
    return out
