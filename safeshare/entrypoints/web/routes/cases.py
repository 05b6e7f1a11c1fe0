"""The DSL's pages: the worklist, the case page, the flowchart's steps, erasure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.body_map import BodyRegion
from domain.codes import (
    Article6Basis,
    Article9Condition,
    ConsentFrom,
    ErasureReason,
    NotSoughtReason,
    label,
)
from domain.errors import InvalidValue, PolicyRefusal
from domain.user import ROLE_LABELS, Role
from safeshare.adapters.sealing import ERASED
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    redirect,
    render_page,
    require,
    text,
    web_of,
)
from safeshare.services.accounts import Account
from safeshare.services.case_pages import CaseNotFound
from safeshare.services.chronology import child_chronology

router = APIRouter()

STEPS: dict[str, str] = {
    "advice": "cases/advice.html",
    "consent": "cases/consent.html",
    "basis": "cases/basis.html",
    "inform": "cases/inform.html",
    "action": "cases/action.html",
    "restrict": "cases/restrict.html",
}


ERASURE_REASONS = [(r.value, label(r.value), None) for r in ErasureReason]
"""The reasons a DSL chooses from: codes, so nothing typed survives the erasure."""


@router.get("/worklist")
def worklist(request: Request) -> Response:
    account = require(request, Role.DSL)
    rows = web_of(request).cases.worklist(account)
    return render_page(request, "cases/worklist.html", rows=rows)


@router.get("/concerns/{concern_id}")
def case_page(request: Request, concern_id: str) -> Response:
    with web_of(request).school.ctx.app.checked_once():  # one "anything new?" for the page
        account = require(request)
        case = web_of(request).cases.open_case(concern_id, account)
        return render_page(
            request,
            "cases/case.html",
            case=case,
            max_attachment_mb=max(1, web_of(request).school.settings.attachment_max_bytes // 2**20),
            front_regions=[r for r in BodyRegion if r.side == "front"],
            back_regions=[r for r in BodyRegion if r.side == "back"],
        )


def _step_context(request: Request, step: str) -> dict[str, Any]:
    return {
        "step": step,
        "consent_from": list(ConsentFrom),
        "not_sought_reasons": list(NotSoughtReason),
        "article6": [a for a in Article6Basis if a is not Article6Basis.CONSENT],
        "article9": [a for a in Article9Condition if a is not Article9Condition.EXPLICIT_CONSENT],
        "assignees": [
            (str(r.account.user_id), f"{r.account.name} ({ROLE_LABELS[r.account.role]})")
            for r in web_of(request).accounts.listing()
            if r.account.role in (Role.STAFF, Role.DSL) and not (r.locked or r.disabled)
        ]
        if step == "action"
        else [],
        "dsls": [
            (str(a.user_id), a.name, a.email)
            for a in web_of(request).cases.restrictions.accounts_with(Role.DSL)
        ]
        if step == "restrict"
        else [],
    }


@router.get("/concerns/{concern_id}/{step}")
def step_page(request: Request, concern_id: str, step: str) -> Response:
    account = require(request)
    if step not in STEPS:
        raise CaseNotFound
    concern = web_of(request).cases.for_casework(concern_id, account)
    return render_page(
        request,
        STEPS[step],
        concern_id=str(concern.id),
        values={},
        errors=FormErrors(),
        **_step_context(request, step),
    )


@router.post("/concerns/{concern_id}/{step}")
def record_step(request: Request, concern_id: str, step: str, form: PostedForm) -> Response:
    account = require(request)
    if step not in STEPS:
        raise CaseNotFound
    web = web_of(request)
    concern = web.cases.for_casework(concern_id, account)
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    values["dsls"] = [v for v in form.getlist("dsls") if isinstance(v, str)]
    errors = FormErrors()
    commands: dict[str, Callable[[], str]] = {
        "advice": lambda: _advice(request, str(concern.id), values, account.actor),
        "consent": lambda: _consent(request, str(concern.id), values, account.actor),
        "basis": lambda: _basis(request, str(concern.id), values, account.actor),
        "inform": lambda: _inform(request, str(concern.id), values, account.actor),
        "action": lambda: _assign(request, str(concern.id), values, account.actor),
        "restrict": lambda: _restrict(request, str(concern.id), values, account),
    }
    try:
        done = commands[step]()
    except InvalidValue as e:
        errors.add_invalid(e)
    except PolicyRefusal as e:
        errors.add(_policy_field(step), f"The policy does not allow this: {e}")
    if errors:
        return render_page(
            request,
            STEPS[step],
            status=400,
            concern_id=str(concern.id),
            values=values,
            errors=errors,
            **_step_context(request, step),
        )
    return redirect(f"/concerns/{concern.id}", done, request)


def _policy_field(step: str) -> str:
    """The field a policy refusal on this step's form is shown against."""
    fields = {
        "advice": "identified-reason",
        "consent": "status",
        "basis": "article6",
        "inform": "informed",
        "restrict": "dsls",
    }
    return fields.get(step, "what")


def _advice(request: Request, concern_id: str, v: dict[str, Any], by: str) -> str:
    web_of(request).school.concerns.seek_advice(
        concern_id,
        v.get("from", ""),
        v.get("question", ""),
        by,
        answer=v.get("answer") or None,
        identified=v.get("identified") == "yes",
        identified_reason=v.get("identified-reason") or None,
    )
    return "Advice recorded."


def _consent(request: Request, concern_id: str, v: dict[str, Any], by: str) -> str:
    status = v.get("status", "")
    if not status:
        raise InvalidValue("status", "choose where consent stands")
    web_of(request).school.concerns.record_consent(
        concern_id,
        status,
        by,
        from_whom=v.get("from") or None,
        reason=v.get("reason") or None,
        note=v.get("note") or None,
        scope=[],
    )
    return "Consent recorded."


def _basis(request: Request, concern_id: str, v: dict[str, Any], by: str) -> str:
    if not v.get("justification", "").strip():
        raise InvalidValue("justification", "say why sharing without consent is justified")
    web_of(request).school.concerns.record_lawful_basis(
        concern_id,
        v.get("article6", ""),
        v.get("justification", ""),
        by,
        article9=v.get("article9") or None,
    )
    return "Lawful basis recorded."


def _inform(request: Request, concern_id: str, v: dict[str, Any], by: str) -> str:
    informed = v.get("informed", "")
    if informed not in ("yes", "no"):
        raise InvalidValue("informed", "choose whether the family was told")
    web_of(request).school.concerns.inform(
        concern_id, informed == "yes", by, reason=v.get("reason") or None
    )
    return "Recorded whether the family was told."


def _restrict(request: Request, concern_id: str, v: dict[str, Any], account: Account) -> str:
    web_of(request).cases.restrict(concern_id, account, v["dsls"])
    return "The case is now readable only by the DSLs you named."


def _assign(request: Request, concern_id: str, v: dict[str, Any], by: str) -> str:
    parts = [v.get(f"due-{p}", "").strip() for p in ("year", "month", "day")]
    if not all(parts):
        raise InvalidValue("due", "enter the date it is due, for example 27 3 2026")
    try:
        due = date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        raise InvalidValue("due", "enter a real date, for example 27 3 2026") from None
    web_of(request).actions.assign(concern_id, v.get("assignee", ""), v.get("what", ""), due, by)
    return "Action assigned. It is on their list now."


@router.get("/children/{child_id}/erase")
def erase_page(request: Request, child_id: str) -> Response:
    account = require(request, Role.DSL)
    preview = web_of(request).cases.erasure_preview(child_id, account)
    return render_page(
        request,
        "cases/erase.html",
        preview=preview,
        errors=FormErrors(),
        erasure_reasons=ERASURE_REASONS,
    )


@router.post("/children/{child_id}/erase")
def erase(request: Request, child_id: str, form: PostedForm) -> Response:
    account = require(request, Role.DSL)
    web = web_of(request)
    preview = web.cases.erasure_preview(child_id, account)
    errors = FormErrors()
    if form.get("confirm") != "yes":
        errors.add("confirm", "Confirm that you understand this cannot be undone")
    reason = text(form, "reason")
    if not reason.strip():
        errors.add("reason", "Choose why the child's personal data is being erased")
    if not errors:
        try:
            web.school.children.erase(child_id, reason, account.actor)
        except (InvalidValue, PolicyRefusal) as e:
            errors.add("reason", str(e))
    if errors:
        return render_page(
            request,
            "cases/erase.html",
            status=400,
            preview=preview,
            errors=errors,
            erasure_reasons=ERASURE_REASONS,
        )
    return redirect("/worklist", "The child's personal data has been erased.", request)


@router.get("/children/{child_id}/chronology")
def chronology(request: Request, child_id: str) -> Response:
    """The child's chronology across concerns, printable; the view is recorded."""
    account = require(request, Role.DSL, Role.AUDITOR)
    web = web_of(request)
    try:
        found = child_chronology(web.school, child_id, f"{account.actor} (web)")
    except InvalidValue:
        raise CaseNotFound from None
    match = web.children.get(UUID(found.child_id))
    return render_page(
        request,
        "cases/chronology.html",
        chronology=found,
        child_name=match.name if match else ERASED,
    )
