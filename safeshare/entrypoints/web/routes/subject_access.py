"""Subject access (DSL): choose who asked and what each concern's answer is, then download
the child's record as one readable PDF or HTML file, third parties redacted; all of it
recorded."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    environment,
    render_page,
    require,
    text,
    web_of,
)
from safeshare.entrypoints.web.subject_access_pdf import subject_access_pdf
from safeshare.services.subject_access import EXEMPTIONS, FORMATS, REQUESTERS, SubjectAccess

router = APIRouter()


def _form(
    request: Request, child_id: str, errors: FormErrors, values: dict[str, str], status: int
) -> Response:
    account = require(request, Role.DSL)
    choices = SubjectAccess(web_of(request).school).choices(child_id, account)
    return render_page(
        request,
        "subject_access/form.html",
        status=status,
        child_id=child_id,
        choices=choices,
        requesters=[(k, v, None) for k, v in REQUESTERS.items()],
        exemptions=[(k, v, None) for k, v in EXEMPTIONS.items()],
        formats=[(k, v, None) for k, v in FORMATS.items()],
        errors=errors,
        values=values,
    )


@router.get("/children/{child_id}/subject-access")
def form(request: Request, child_id: str) -> Response:
    return _form(request, child_id, FormErrors(), {}, 200)


@router.post("/children/{child_id}/subject-access")
def export(request: Request, child_id: str, data: PostedForm) -> Response:
    account = require(request, Role.DSL)
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    decisions = {
        k.removeprefix("decision-"): v for k, v in values.items() if k.startswith("decision-")
    }
    words = [w.strip() for w in text(data, "redact").splitlines() if w.strip()]
    errors = FormErrors()
    form = text(data, "format")
    try:
        found = SubjectAccess(web_of(request).school).export(
            child_id, text(data, "requester"), decisions, words, account, form
        )
    except InvalidValue as e:
        errors.add(e.field, f"{e.problem[0].upper()}{e.problem[1:]}")
        return _form(request, child_id, errors, values, 400)
    if form == "pdf":
        return Response(
            subject_access_pdf(found),
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="subject-access-export.pdf"'},
        )
    html = environment().get_template("subject_access/export.html").render(x=found)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="subject-access-export.html"'},
    )
