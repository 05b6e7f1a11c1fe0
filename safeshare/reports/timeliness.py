"""The governors' timeliness report: tables and charts from the timeliness projection.

Issue 6: "`safeshare report timeliness --from DATE --to DATE --format text|csv|html` -> the
governors' report: tables plus charts (SVG in the HTML: distribution of time to decision,
breaches per month); a person would rather look at it than read it." It holds no personal data:
ids, codes, times and counts only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader

from projections.metrics import Month, median, month_of, monthly, percentile
from projections.standards import STEP_LABELS, Standards, Step, StepResult
from projections.timeliness import Timeliness, steps
from projections.workdays import SCHOOL_TZ, Calendar, local_day
from safeshare.display import html_environment
from safeshare.reports.svg import Series, stacked_bars

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


def _h(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} d"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def to_csv(report: Report) -> str:
    """One row per month (what a spreadsheet wants)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "month",
            "concerns",
            "decided",
            "decision_median_h",
            "decision_p90_h",
            "delivered",
            "delivery_median_h",
            "delivery_p90_h",
            "urgent_dispatched",
            "urgent_within_target",
            "transfers",
            "transfers_within_5_school_days",
            "breaches",
            "overdue",
        ]
    )
    for m in report.months:
        w.writerow(
            [
                m.month,
                m.concerns,
                m.decided,
                _num(m.decision_median_h),
                _num(m.decision_p90_h),
                m.delivered,
                _num(m.delivery_median_h),
                _num(m.delivery_p90_h),
                m.urgent_dispatched,
                m.urgent_within_target,
                m.transfers,
                m.transfers_within_target,
                m.breaches,
                m.overdue,
            ]
        )
    return buf.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def charts(report: Report) -> dict[str, str]:
    cats = [label for label, _, _ in report.decision_histogram]
    decision = stacked_bars(
        cats,
        [
            Series("within target", "#2b8a3e", [w for _, w, _ in report.decision_histogram]),
            Series("breached", "#d9485f", [b for _, _, b in report.decision_histogram]),
        ],
        "Time from concern raised to DSL decision",
        "concerns",
    )
    months = _months_between(report.start, report.end)
    per: dict[Step, list[float]] = {s: [0.0] * len(months) for s in Step}
    for b in report.breaches:
        m = month_of(datetime.fromisoformat(b.start))
        if m in months:
            per[Step(b.step)][months.index(m)] += 1
    breaches = stacked_bars(
        [_month_label(m).replace(" ", "\n") for m in months],
        [Series(STEP_LABELS[s], STEP_COLOURS[s], per[s]) for s in Step],
        "Breaches of the standards, by month the step began",
        "breaches",
    )
    return {"decision": decision, "breaches": breaches}


def _months_between(start: date, end: date) -> list[str]:
    out: list[str] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_label(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def to_html(report: Report, std: Standards) -> str:
    env = html_environment(FileSystemLoader(Path(__file__).parent / "templates"))
    env.filters["h"] = _h
    env.filters["pct"] = _pct
    env.filters["month"] = _month_label
    template = env.get_template("timeliness.html.j2")
    return template.render(
        r=report,
        std=std,
        charts=charts(report),
        headline=_headline(report),
        today=local_day(report.generated_at),
    )


def _headline(report: Report) -> list[dict[str, str]]:
    by = {s.step: s for s in report.summaries}
    d, u, t = by[Step.DECISION.value], by[Step.URGENT_DISPATCH.value], by[Step.TRANSFER.value]
    return [
        {
            "value": str(sum(m.concerns for m in report.months)),
            "label": "concerns raised",
            "tone": "neutral",
        },
        {
            "value": _pct(d.within_share),
            "label": "decided the same working day",
            "tone": _tone(d.within_share),
        },
        {"value": _h(d.median_h), "label": "median time to decision", "tone": "neutral"},
        {
            "value": _pct(u.within_share),
            "label": "urgent referrals dispatched within target",
            "tone": _tone(u.within_share),
        },
        {
            "value": _pct(t.within_share),
            "label": "file transfers within 5 school days",
            "tone": _tone(t.within_share),
        },
        {
            "value": str(len(report.breaches)),
            "label": "breaches and overdue steps",
            "tone": "bad" if report.breaches else "good",
        },
    ]


def _tone(share: float | None) -> str:
    if share is None:
        return "neutral"
    return "good" if share >= 0.95 else "warn" if share >= 0.8 else "bad"


def text_rows(report: Report) -> list[list[str]]:
    return [
        [
            _month_label(m.month),
            str(m.concerns),
            _h(m.decision_median_h),
            _h(m.decision_p90_h),
            _h(m.delivery_median_h),
            _h(m.delivery_p90_h),
            _pct(m.urgent_share),
            _pct(m.transfer_share),
            str(m.breaches),
            str(m.overdue),
        ]
        for m in report.months
    ]
