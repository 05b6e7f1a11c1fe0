"""A person's own follow-up actions, and marking one done."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import (
    PostedForm,
    redirect,
    redirect_with_problem,
    render_page,
    require,
    text,
    web_of,
)
from safeshare.services.case_pages import CaseNotFound
from safeshare.services.dsl_alerts import Acknowledgements

router = APIRouter()
ASSIGNEES = (Role.STAFF, Role.DSL)


@router.post("/concerns/{concern_id}/acknowledge")
def acknowledge(request: Request, concern_id: str) -> Response:
    """A DSL acknowledges the urgent alert for this concern."""
    account = require(request)
    web = web_of(request)
    concern = web.cases.for_casework(concern_id, account)
    try:
        Acknowledgements(web.school.ctx).acknowledge(concern.id, account)
    except InvalidValue:
        raise CaseNotFound from None
    return redirect(f"/concerns/{concern.id}", "Alert acknowledged.", request)


@router.post("/concerns/{concern_id}/attachments")
def attach(request: Request, concern_id: str, form: PostedForm) -> Response:
    """The raiser or a DSL attaches a PDF, JPEG or PNG to the concern."""
    account = require(request, *ASSIGNEES)
    web = web_of(request)
    concern = web.cases.readable(concern_id, account, "attach a file")
    upload = form.get("file")
    limit = web.school.settings.attachment_max_bytes
    problem = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem = "Choose a PDF, JPEG or PNG file to attach"
    else:
        content = upload.file.read(limit + 1)
        try:
            web.attachments.add(concern, upload.filename, content, account.actor)
        except InvalidValue as e:
            problem = f"The file {e.problem}"
    if problem:
        return redirect_with_problem(f"/concerns/{concern.id}", "file", problem, request)
    return redirect(f"/concerns/{concern.id}", "File attached.", request)


@router.get("/attachments/{attachment_id}")
def download(request: Request, attachment_id: str) -> Response:
    """The file, to whoever may read its concern; the view is recorded."""
    account = require(request)
    web = web_of(request)
    found = web.attachments.attachment(attachment_id)
    if found is None:
        raise CaseNotFound
    web.cases.readable(str(found.concern_id), account, "attachment")
    try:
        opened = web.attachments.open(found)
    except InvalidValue:
        raise CaseNotFound from None
    web.school.views.record_view(found.id, f"{account.actor} (web)", "attachment download")
    name = f"attachment-{opened.attachment_id[:8]}.{opened.media_type.extension}"
    return Response(
        opened.content,
        media_type=opened.media_type.value,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/actions")
def my_actions(request: Request) -> Response:
    account = require(request, *ASSIGNEES)
    rows = web_of(request).actions.rows(assignee_id=account.user_id)
    return render_page(request, "actions/mine.html", rows=rows)


@router.post("/actions/{action_id}/done")
def done(request: Request, action_id: str, form: PostedForm) -> Response:
    account = require(request, *ASSIGNEES)
    try:
        web_of(request).actions.complete(
            action_id, account.user_id, account.actor, text(form, "note")
        )
    except InvalidValue:
        raise CaseNotFound from None
    return redirect("/actions", "Action marked as done.", request)
