"""A person's own follow-up actions, and marking one done."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import redirect, render_page, require, text, web_of
from safeshare.services.case_pages import CaseNotFound
from safeshare.services.dsl_alerts import Acknowledgements

router = APIRouter()
ASSIGNEES = (Role.STAFF, Role.DSL)


@router.post("/concerns/{concern_id}/acknowledge")
async def acknowledge(request: Request, concern_id: str) -> Response:
    """A DSL acknowledges the urgent alert for this concern."""
    account = require(request)
    web = web_of(request)
    concern = web.cases.for_casework(concern_id, account)
    try:
        Acknowledgements(web.school.ctx).acknowledge(concern.id, account)
    except InvalidValue:
        raise CaseNotFound from None
    return redirect(f"/concerns/{concern.id}", "Alert acknowledged.", request)


@router.get("/actions")
async def my_actions(request: Request) -> Response:
    account = require(request, *ASSIGNEES)
    rows = web_of(request).actions.rows(assignee_id=account.user_id)
    return render_page(request, "actions/mine.html", rows=rows)


@router.post("/actions/{action_id}/done")
async def done(request: Request, action_id: str) -> Response:
    account = require(request, *ASSIGNEES)
    form = await request.form()
    try:
        web_of(request).actions.complete(
            action_id, account.user_id, account.actor, text(form, "note")
        )
    except InvalidValue:
        raise CaseNotFound from None
    return redirect("/actions", "Action marked as done.", request)
