"""The governors' timeliness report: tables and charts from the timeliness projection.

Issue 6: "`safeshare report timeliness --from DATE --to DATE --format text|csv|html` -> the
governors' report: tables plus charts (SVG in the HTML: distribution of time to decision,
breaches per month); a person would rather look at it than read it." It holds no personal data:
ids, codes, times and counts only. The figures are computed here; `timeliness_formats.py` shows
them (CSV, HTML with its charts, the terminal's rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from projections.metrics import Month, median, monthly, percentile
from projections.standards import STEP_LABELS, Standards, Step, StepResult
from projections.timeliness import Timeliness, steps
from projections.workdays import SCHOOL_TZ, Calendar

DECISION_BUCKETS: list[tuple[str, float]] = [
    ("< 1 h", 1),
    ("1–2 h", 2),
    ("2–4 h", 4),
    ("4–8 h", 8),
    ("8–24 h", 24),
    ("1–2 d", 48),
    ("2–5 d", 120),
    ("> 5 d", float("inf")),
]

STEP_COLOURS = {
    Step.DECISION: "#d9485f",
    Step.URGENT_DISPATCH: "#7b2cbf",
    Step.DELIVERY: "#f08c00",
    Step.TRANSFER: "#1c7ed6",
    Step.LA_DECISION: "#2b8a3e",
    Step.LADO_REFERRAL: "#495057",
}


@dataclass(frozen=True)
class StepSummary:
    step: str
    label: str
    measured: int
    within: int
    breached: int
    overdue: int
    median_h: float | None
    p90_h: float | None

    @property
    def within_share(self) -> float | None:
        return self.within / self.measured if self.measured else None


@dataclass(frozen=True)
class Breach:
    step: str
    label: str
    record_id: str
    concern_id: str
    urgent: bool
    start: str
    due: str
    end: str | None
    late_h: float


@dataclass(frozen=True)
class Report:
    school: str
    start: date
    end: date
    generated_at: datetime
    months: list[Month]
    summaries: list[StepSummary]
    breaches: list[Breach]
    decision_histogram: list[tuple[str, int, int]]  # bucket, within target, breached

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["months"] = [
            {**asdict(m), "urgent_share": m.urgent_share, "transfer_share": m.transfer_share}
            for m in self.months
        ]
        return d


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as school-time days, as aware UTC bounds (end exclusive)."""
    lo = datetime.combine(start, time(0), tzinfo=SCHOOL_TZ).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=SCHOOL_TZ).astimezone(UTC)
    return lo, hi


def build_report(
    tx: Any,
    projection: Timeliness,
    school: str,
    start: date,
    end: date,
    now: datetime,
    std: Standards,
    cal: Calendar,
) -> Report:
    lo, hi = period(start, end)
    results = steps(projection.states(tx, lo, hi), std, cal)
    return summarise(results, school, start, end, now)


def summarise(
    results: Sequence[StepResult], school: str, start: date, end: date, now: datetime
) -> Report:
    summaries: list[StepSummary] = []
    for step in Step:
        rs = [r for r in results if r.step is step]
        done = [r.hours for r in rs if r.hours is not None]
        summaries.append(
            StepSummary(
                step.value,
                STEP_LABELS[step],
                len(done),
                sum(1 for r in rs if r.end is not None and not r.breached),
                sum(1 for r in rs if r.breached),
                sum(1 for r in rs if r.overdue(now)),
                median(done),
                percentile(done, 90),
            )
        )
    breaches = [
        Breach(
            r.step.value,
            STEP_LABELS[r.step],
            r.record_id,
            r.concern_id,
            r.urgent,
            r.start.isoformat(timespec="minutes"),
            r.due.isoformat(timespec="minutes"),
            r.end.isoformat(timespec="minutes") if r.end else None,
            round(((r.end or now) - r.due).total_seconds() / 3600, 1),
        )
        for r in sorted(results, key=lambda r: r.start)
        if r.breached or r.overdue(now)
    ]
    hist = []
    decisions = [r for r in results if r.step is Step.DECISION and r.hours is not None]
    lower = 0.0
    for label, upper in DECISION_BUCKETS:
        inside = [r for r in decisions if r.hours is not None and lower <= r.hours < upper]
        hist.append(
            (label, sum(1 for r in inside if not r.breached), sum(1 for r in inside if r.breached))
        )
        lower = upper
    return Report(school, start, end, now, monthly(results, now), summaries, breaches, hist)
