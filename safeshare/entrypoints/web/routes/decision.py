"""The sharing decision as question pages: one question of the policy's flowchart per page,
the answers so far beside it, check your answers, then a confirmation saying what happens
next. The answers wait in the session (never in a URL) until the DSL records the decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue, PolicyRefusal
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
from safeshare.services.case_pages import CaseNotFound

router = APIRouter()

QUESTIONS = ("purpose", "share", "recipients", "reasons")


def _draft(request: Request, concern_id: str) -> dict[str, Any]:
    return session_of(request).drafts.setdefault(concern_id, {})


def _context(request: Request, concern_id: str, question: str) -> dict[str, Any]:
    web = web_of(request)
    concern = web.school.ctx.concern(concern_id)
    basis = concern.lawful_basis
    agencies = {a["agency_id"]: a for a in web.school.agencies.entries()}
    draft = _draft(request, concern_id)
    return {
        "concern_id": concern_id,
        "question": question,
        "draft": draft,
        "agencies": list(agencies.values()),
        "chosen": [agencies[a]["name"] for a in draft.get("to", []) if a in agencies],
        "consent_status": concern.consent.status.value,
        "basis_recorded": basis is not None,
        "urgent": concern.urgent,
    }


def _page(request: Request, concern_id: str, question: str, errors: FormErrors) -> Response:
    return render_page(
        request,
        f"decision/{question}.html",
        status=400 if errors else 200,
        errors=errors,
        **_context(request, concern_id, question),
    )


@router.get("/concerns/{concern_id}/decide/{question}")
def question_page(request: Request, concern_id: str, question: str) -> Response:
    account = require(request)
    concern = web_of(request).cases.for_casework(concern_id, account)
    if question not in (*QUESTIONS, "check", "done"):
        raise CaseNotFound
    if question == "done":
        done = session_of(request).drafts.pop(f"done:{concern.id}", None)
        if done is None:
            return redirect(f"/concerns/{concern.id}")
        return render_page(request, "decision/done.html", concern_id=str(concern.id), done=done)
    return _page(request, str(concern.id), question, FormErrors())


@router.post("/concerns/{concern_id}/decide/{question}")
def answer(request: Request, concern_id: str, question: str, form: PostedForm) -> Response:
    account = require(request)
    web = web_of(request)
    concern = web.cases.for_casework(concern_id, account)
    cid = str(concern.id)
    draft = _draft(request, cid)
    errors = FormErrors()
    base = f"/concerns/{cid}/decide"
    if question == "purpose":
        clear = text(form, "purpose-clear")
        purpose = text(form, "purpose").strip()
        if clear not in ("yes", "no"):
            errors.add("purpose-clear", "Choose whether there is a clear and legitimate purpose")
        elif clear == "yes" and not purpose:
            errors.add("purpose", "Say what the purpose is")
        if not errors:
            draft.update({"purpose_clear": clear, "purpose": purpose if clear == "yes" else ""})
            if clear == "no":
                draft.update({"share": "no", "to": []})
                return redirect(f"{base}/reasons")
            return redirect(f"{base}/share")
    elif question == "share":
        share = text(form, "share")
        if share not in ("yes", "no"):
            errors.add("share", "Choose whether you will share information")
        else:
            draft["share"] = share
            if share == "no":
                draft["to"] = []
            return redirect(f"{base}/recipients" if share == "yes" else f"{base}/reasons")
    elif question == "recipients":
        to = [v for v in form.getlist("to") if isinstance(v, str)]
        if not to:
            errors.add("to", "Choose at least one agency to share with")
        else:
            draft.update({"to": to, "police_reason": text(form, "police-not-told-reason")})
            return redirect(f"{base}/reasons")
    elif question == "reasons":
        reasons = text(form, "reasons").strip()
        if not reasons:
            errors.add("reasons", "Give the reasons for your decision (golden rule 7)")
        else:
            draft["reasons"] = reasons
            return redirect(f"{base}/check")
    elif question == "check":
        return _record(request, cid, draft, account.actor)
    else:
        raise CaseNotFound
    return _page(request, cid, question, errors)


def _record(request: Request, cid: str, draft: dict[str, Any], by: str) -> Response:
    """Record the decision as checked; a policy refusal goes back to the check page."""
    web = web_of(request)
    try:
        result = web.school.concerns.decide(
            cid,
            draft.get("share") == "yes",
            draft.get("reasons"),
            by,
            purpose=draft.get("purpose") or None,
            to=draft.get("to", []),
            police_not_told_reason=draft.get("police_reason") or None,
        )
    except (InvalidValue, PolicyRefusal) as e:
        errors = FormErrors()
        errors.add("answers", f"The policy does not allow this decision as it stands: {e}")
        return _page(request, cid, "check", errors)
    sessions = session_of(request).drafts
    sessions.pop(cid, None)
    sessions[f"done:{cid}"] = {
        "share": result.share,
        "referrals": len(result.referral_ids),
        "decided_at_step": result.decided_at_step,
    }
    return redirect(f"/concerns/{cid}/decide/done")
