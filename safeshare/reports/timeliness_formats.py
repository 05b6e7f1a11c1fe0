"""The governors' timeliness report as people read it: CSV, the HTML page with its SVG charts
(distribution of time to decision, breaches per month), and the terminal's rows. The figures
come from `timeliness.py`; nothing here computes one."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from jinja2 import FileSystemLoader

from projections.metrics import month_of
from projections.standards import STEP_LABELS, Standards, Step
from projections.workdays import local_day
from safeshare.display import html_environment
from safeshare.reports.svg import Series, stacked_bars
from safeshare.reports.timeliness import STEP_COLOURS, Report


def hours(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} d"


def percent(value: float | None) -> str:
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
    env.filters["h"] = hours
    env.filters["pct"] = percent
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
            "value": percent(d.within_share),
            "label": "decided the same working day",
            "tone": _tone(d.within_share),
        },
        {"value": hours(d.median_h), "label": "median time to decision", "tone": "neutral"},
        {
            "value": percent(u.within_share),
            "label": "urgent referrals dispatched within target",
            "tone": _tone(u.within_share),
        },
        {
            "value": percent(t.within_share),
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
            hours(m.decision_median_h),
            hours(m.decision_p90_h),
            hours(m.delivery_median_h),
            hours(m.delivery_p90_h),
            percent(m.urgent_share),
            percent(m.transfer_share),
            str(m.breaches),
            str(m.overdue),
        ]
        for m in report.months
    ]
