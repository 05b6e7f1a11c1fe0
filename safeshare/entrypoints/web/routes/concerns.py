"""Raising a concern: find the child (a POST: names never in a URL), then the form."""

from __future__ import annotations

from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from domain.body_map import BodyRegion
from domain.codes import Category
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
from safeshare.services.case_pages import CaseNotFound
from safeshare.services.raising import RaisingDetails

router = APIRouter()
RAISERS = (Role.STAFF, Role.DSL)
SCHOOL_TIME = ZoneInfo("Europe/London")

# The service's field names -> the form's input ids, for the error summary's links.
FIELD_IDS = {
    "category": "category",
    "facts": "facts",
    "opinion": "opinion",
    "observed-at": "observed-day",
    "child-words": "child-words",
    "location": "location",
    "others-present": "others-present",
    "body-map-region": "body-region",
    "body-map-description": "body-note",
}


@router.get("/concerns/new")
def find_child_page(request: Request) -> Response:
    require(request, *RAISERS)
    return render_page(request, "concerns/find_child.html", errors=FormErrors(), query="")


@router.post("/concerns/new/search")
def find_child(request: Request, form: PostedForm) -> Response:
    require(request, *RAISERS)
    query = text(form, "name-or-upn")
    errors = FormErrors()
    matches = []
    try:
        matches = web_of(request).children.search(query)
    except InvalidValue:
        errors.add("name-or-upn", "Enter at least 2 letters of the child's name, or their UPN")
    return render_page(
        request,
        "concerns/find_child.html",
        status=400 if errors else 200,
        errors=errors,
        query=query,
        matches=matches,
        searched=not errors,
    )


def _child(request: Request, child_id: str) -> object:
    try:
        match = web_of(request).children.get(UUID(child_id))
    except ValueError:
        match = None
    if match is None:
        raise CaseNotFound
    return match


@router.get("/concerns/new/{child_id}")
def raise_page(request: Request, child_id: str) -> Response:
    require(request, *RAISERS)
    child = _child(request, child_id)
    return render_page(request, "concerns/raise.html", **_form_context(child, {}, FormErrors()))


@router.post("/concerns/new/{child_id}")
def raise_concern(request: Request, child_id: str, form: PostedForm) -> Response:
    account = require(request, *RAISERS)
    child = _child(request, child_id)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors()
    observed_at = _observed_at(form, errors)
    region, note = text(form, "body-region"), text(form, "body-note").strip()
    if region and not note:
        errors.add("body-note", "Describe the mark you saw in this body region")
    if note and not region:
        errors.add("body-region", "Choose the body region where you saw the mark")
    if not text(form, "facts").strip():
        errors.add("facts", "Enter what you saw or heard")
    if not text(form, "category"):
        errors.add("category", "Choose the kind of concern")
    if errors:
        return render_page(
            request, "concerns/raise.html", status=400, **_form_context(child, values, errors)
        )
    web = web_of(request)
    try:
        concern_id = web.school.concerns.raise_with_details(
            child_id=child_id,
            category=text(form, "category"),
            facts=text(form, "facts"),
            opinion=text(form, "opinion"),
            observed_at=observed_at,
            by=account.actor,
            immediate_risk=form.get("immediate-risk") == "yes",
            crime_suspected=form.get("crime-suspected") == "yes",
            details=RaisingDetails(
                child_words=text(form, "child-words"),
                location=text(form, "location"),
                others_present=text(form, "others-present"),
                body_marks=[(region, note)] if region else [],
                raised_by_account=str(account.user_id),
            ),
        )
    except InvalidValue as e:
        errors.add_invalid(e, FIELD_IDS)
        return render_page(
            request, "concerns/raise.html", status=400, **_form_context(child, values, errors)
        )
    except PolicyRefusal as e:
        errors.add("facts", str(e))
        return render_page(
            request, "concerns/raise.html", status=400, **_form_context(child, values, errors)
        )
    return redirect(
        f"/concerns/{concern_id}",
        "Concern raised. The designated safeguarding lead can see it now.",
        request,
    )


def _observed_at(form: FormData, errors: FormErrors) -> str:
    """The GOV.UK date input (day, month, year) and a time, as an ISO moment in school time."""
    from datetime import datetime

    day, month, year = (text(form, f"observed-{p}").strip() for p in ("day", "month", "year"))
    clock = text(form, "observed-time").strip() or "00:00"
    if not (day and month and year):
        errors.add("observed-day", "Enter when you saw or heard it, for example 27 3 2026")
        return ""
    try:
        hour, _, minute = clock.replace(".", ":").partition(":")
        at = datetime(int(year), int(month), int(day), int(hour), int(minute or 0))
    except ValueError:
        errors.add("observed-day", "Enter a real date and a time like 14:30")
        return ""
    return at.replace(tzinfo=SCHOOL_TIME).isoformat()


def _form_context(child: object, values: dict[str, str], errors: FormErrors) -> dict[str, Any]:
    return {
        "child": child,
        "values": values,
        "errors": errors,
        "categories": list(Category),
        "front_regions": [r for r in BodyRegion if r.side == "front"],
        "back_regions": [r for r in BodyRegion if r.side == "back"],
    }


@router.get("/concerns/mine")
def my_concerns(request: Request) -> Response:
    account = require(request, *RAISERS)
    rows = web_of(request).cases.raised_by(account)
    return render_page(request, "concerns/mine.html", rows=rows)
