"""The auditor's pages (read-only; the second factor was asked at sign-in): the audit trail
with filters, paged, and its CSV; replay a case as of a moment with its inclusion proofs
checked; verify the log; download the offline bundle; what each referral shared; the
timeliness report. Every page an auditor opens is itself in the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    redirect,
    render_page,
    require,
    session_of,
    text,
    web_of,
)
from safeshare.services.accounts import Account
from safeshare.services.audit_pages import AuditPages, TrailFilter, trail_csv
from safeshare.services.case_pages import CaseNotFound

router = APIRouter()
SCHOOL_TIME = ZoneInfo("Europe/London")
PAGE_SIZE = 50


def _auditor(request: Request, page: str) -> tuple[Account, AuditPages]:
    """The signed-in auditor; the page view is recorded before anything is shown."""
    account = require(request, Role.AUDITOR)
    pages = AuditPages(web_of(request).school)
    pages.record(f"{account.actor} (web)", f"audit page: {page}")
    return account, pages


def _day(value: str | None, field: str, errors: FormErrors) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(field, "Enter a date like 2026-03-27")
        return None


def _filter(request: Request, errors: FormErrors) -> TrailFilter:
    q = request.query_params
    return TrailFilter(
        record=(q.get("record") or "").strip()[:64] or None,
        actor=(q.get("actor") or "").strip()[:200] or None,
        action=(q.get("action") or "").strip()[:200] or None,
        since=_day(q.get("from"), "from", errors),
        until=_day(q.get("to"), "to", errors),
    )


@router.get("/audit")
def start(request: Request) -> Response:
    _auditor(request, "start")
    return render_page(request, "audit/start.html")


@router.get("/audit/trail")
def trail(request: Request) -> Response:
    account, pages = _auditor(request, "audit trail")
    errors = FormErrors()
    wanted = _filter(request, errors)
    after_text = request.query_params.get("after", "")
    after = int(after_text) if after_text.isdigit() else None
    found = None
    if not errors:
        try:
            found = pages.trail(wanted, f"{account.actor} (web)", after, PAGE_SIZE)
        except InvalidValue as e:
            errors.add_invalid(e)
    query = {k: v for k, v in request.query_params.items() if k != "after" and v}
    return render_page(
        request,
        "audit/trail.html",
        status=400 if errors else 200,
        errors=errors,
        values=query,
        page=found,
        query=query,
        first_page=after is None,
    )


@router.get("/audit/trail.csv")
def trail_export(request: Request) -> Response:
    account, pages = _auditor(request, "audit trail export")
    errors = FormErrors()
    wanted = _filter(request, errors)
    if errors:
        raise CaseNotFound
    rows = pages.all_rows(wanted, f"{account.actor} (web)")
    return Response(
        trail_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )


@router.get("/audit/replay")
def replay_form(request: Request) -> Response:
    _auditor(request, "replay")
    return render_page(request, "audit/replay_form.html", errors=FormErrors(), values={})


@router.post("/audit/replay")
def replay_choose(request: Request, form: PostedForm) -> Response:
    """The case and the moment, from the form, to the replay page's address (ids only)."""
    require(request, Role.AUDITOR)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    errors = FormErrors()
    concern_id = text(form, "concern").strip()
    try:
        concern_id = str(web_of(request).school.ctx.concern(concern_id).id)
    except InvalidValue:
        errors.add("concern", "Enter the id of a concern, as the case page shows it")
    day, clock = text(form, "as-of-date").strip(), text(form, "as-of-time").strip() or "23:59"
    try:
        at = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SCHOOL_TIME)
    except ValueError:
        errors.add("as-of-date", "Enter a date like 2026-03-27 and a time like 14:30")
    if errors:
        return render_page(
            request, "audit/replay_form.html", status=400, errors=errors, values=values
        )
    return redirect(f"/audit/replay/{concern_id}?as_of={at.isoformat().replace('+', '%2B')}")


@router.get("/audit/replay/{concern_id}")
def replay(request: Request, concern_id: str) -> Response:
    account, pages = _auditor(request, "replay")
    web_of(request).cases.readable(concern_id, account, "replay")
    as_of = request.query_params.get("as_of", "")
    try:
        answer = pages.replay(concern_id, as_of, f"{account.actor} (web)")
    except InvalidValue as e:
        errors = FormErrors()
        errors.add("as-of-date", f"Enter when to replay the case as of: {e.problem}")
        return render_page(
            request,
            "audit/replay_form.html",
            status=400,
            errors=errors,
            values={"concern": concern_id},
        )
    return render_page(request, "audit/replay.html", r=answer)


@router.get("/audit/verify")
def verify_page(request: Request) -> Response:
    _auditor(request, "verify")
    result = session_of(request).drafts.pop("audit:verify", None)
    return render_page(request, "audit/verify.html", result=result)


@router.post("/audit/verify")
def verify(request: Request) -> Response:
    """Runs `audit verify` (a read: the run itself is recorded) and shows each problem."""
    account, pages = _auditor(request, "verify run")
    outcome = pages.verify(f"{account.actor} (web)")
    session_of(request).drafts["audit:verify"] = {
        "checked_at": outcome.checked_at,
        "problems": [
            {"kind": p.kind, "position": p.position, "message": p.message} for p in outcome.problems
        ],
    }
    return redirect("/audit/verify")


@router.get("/audit/export")
def export_page(request: Request) -> Response:
    _auditor(request, "export")
    return render_page(request, "audit/export.html", errors=FormErrors(), values={})


@router.post("/audit/export")
def export(request: Request, form: PostedForm) -> Response:
    """The offline bundle (as `audit export` writes it), zipped, for a case or the whole log;
    it verifies with `python3 verify_bundle.py` and `openssl` alone."""
    account, pages = _auditor(request, "export download")
    concern_id = text(form, "concern").strip() or None
    if concern_id is not None:
        try:
            concern_id = str(web_of(request).cases.readable(concern_id, account, "export").id)
        except CaseNotFound:
            errors = FormErrors()
            errors.add("concern", "Enter the id of a concern, or leave it empty for the whole log")
            return render_page(
                request, "audit/export.html", status=400, errors=errors, values={"concern": ""}
            )
    data = pages.bundle(f"{account.actor} (web)", concern_id)
    name = f"audit-bundle-{concern_id[:8]}.zip" if concern_id else "audit-bundle.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit/shared/{concern_id}")
def shared(request: Request, concern_id: str) -> Response:
    """What was shared: each referral's frozen content, as its agency received it, and its
    hash (the view is recorded on the case)."""
    account, _ = _auditor(request, "what was shared")
    web = web_of(request)
    concern = web.cases.readable(concern_id, account, "what was shared")
    referrals = [
        web.school.views.show_referral(str(r.id), f"{account.actor} (web)")
        for r in web.school.views.referrals_of(concern)
    ]
    return render_page(
        request, "audit/shared.html", concern_id=str(concern.id), referrals=referrals
    )
