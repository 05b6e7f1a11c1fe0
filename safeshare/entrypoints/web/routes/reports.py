"""The governors' timeliness report inside the site's layout, for a chosen period, printable
(DSLs and auditors; no personal data in it; an auditor's look is recorded like every other)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import FormErrors, render_page, require, web_of
from safeshare.reports.timeliness_formats import charts
from safeshare.services import projections as ps
from safeshare.services.audit_pages import AuditPages
from safeshare.services.chronology import timeliness_report

router = APIRouter()


def _day(value: str | None, field: str, fallback: date, errors: FormErrors) -> date:
    if not value:
        return fallback
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(field, "Enter a date like 2026-03-27")
        return fallback


@router.get("/reports/timeliness")
def timeliness(request: Request) -> Response:
    account = require(request, Role.DSL, Role.AUDITOR)
    school = web_of(request).school
    if account.role is Role.AUDITOR:
        AuditPages(school).record(f"{account.actor} (web)", "audit page: timeliness")
    today = school.ctx.clock().date()
    errors = FormErrors()
    start = _day(request.query_params.get("from"), "from", today - timedelta(days=90), errors)
    end = _day(request.query_params.get("to"), "to", today, errors)
    report = None
    if not errors:
        try:
            report = timeliness_report(school, start, end)
        except InvalidValue as e:
            errors.add_invalid(e)
    # The charts are SVG our own code draws from counts and fixed labels: no text from a person.
    drawn = {k: Markup(v) for k, v in charts(report).items()} if report else {}
    return render_page(
        request,
        "reports/timeliness.html",
        status=400 if errors else 200,
        errors=errors,
        report=report,
        charts=drawn,
        std=ps.standards(school.settings),
        values={"from": start.isoformat(), "to": end.isoformat()},
    )
