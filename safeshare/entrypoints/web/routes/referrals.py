"""A referral's page: its status and attempts, the telephone referral, and a preview of exactly
what its packet carries (a recorded view); the form a DSL records a telephone referral with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue, PolicyRefusal
from domain.user import Role
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    redirect,
    render_page,
    require,
    text,
    web_of,
)
from safeshare.entrypoints.web.templating import SCHOOL_TIME

router = APIRouter()


@router.get("/referrals/{referral_id}")
def referral_page(request: Request, referral_id: str) -> Response:
    account = require(request, Role.DSL, Role.AUDITOR)
    page = web_of(request).referrals.page(referral_id, account)
    return _render(request, page, {}, FormErrors())


def _render(
    request: Request, page: Any, values: dict[str, str], errors: FormErrors, status: int = 200
) -> Response:
    return render_page(
        request,
        "referrals/referral.html",
        status=400 if errors else status,
        r=page,
        values=values,
        errors=errors,
    )


@router.post("/referrals/{referral_id}/phoned")
def record_phone_call(request: Request, referral_id: str, form: PostedForm) -> Response:
    account = require(request, Role.DSL)
    web = web_of(request)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    errors = FormErrors()
    called_at = called_moment(form, errors)
    if not errors:
        try:
            web.referrals.record_phone_call(
                referral_id,
                account,
                text(form, "called"),
                called_at,
                text(form, "reference"),
            )
        except InvalidValue as e:
            errors.add_invalid(e, {"called-at": "called-day"})
        except PolicyRefusal as e:
            errors.add("called", f"The policy does not allow this: {e}")
    if errors:
        page = web.referrals.page(referral_id, account)
        return _render(request, page, values, errors)
    return redirect(
        f"/referrals/{referral_id}",
        "Telephone referral recorded. The packet follows as the written confirmation.",
        request,
    )


def called_moment(form: FormData, errors: FormErrors) -> str:
    """The GOV.UK date input and a time, in school time, as an ISO moment."""
    day, month, year = (text(form, f"called-{p}").strip() for p in ("day", "month", "year"))
    clock = text(form, "called-time").strip()
    if not (day and month and year and clock):
        errors.add("called-day", "Enter when you phoned, for example 27 3 2026 and 14:30")
        return ""
    try:
        hour, _, minute = clock.replace(".", ":").partition(":")
        at = datetime(int(year), int(month), int(day), int(hour), int(minute or 0))
    except ValueError:
        errors.add("called-day", "Enter a real date and a time like 14:30")
        return ""
    return at.replace(tzinfo=SCHOOL_TIME).isoformat()
