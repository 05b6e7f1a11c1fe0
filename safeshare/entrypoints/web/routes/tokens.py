"""The administrator's API tokens page: make a token for an account (shown once, on the
answer to the POST, never stored or redirected with), see each account's tokens, revoke one."""

from __future__ import annotations

import contextlib
from uuid import UUID

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
    text,
    web_of,
)
from safeshare.services.api_tokens import ApiTokenService, IssuedToken

router = APIRouter()


def _tokens(request: Request) -> ApiTokenService:
    web = web_of(request)
    return ApiTokenService(web.school.ctx, web.accounts)


def _page(
    request: Request,
    errors: FormErrors,
    issued: IssuedToken | None = None,
    issued_for: str | None = None,
    status: int = 200,
) -> Response:
    web = web_of(request)
    tokens = _tokens(request)
    rows = [(r.account, tokens.tokens_of(r.account.user_id)) for r in web.accounts.listing()]
    return render_page(
        request,
        "admin/tokens.html",
        status=status,
        rows=rows,
        accounts=[
            (str(r.account.user_id), f"{r.account.name} ({r.account.email})")
            for r in web.accounts.listing()
        ],
        errors=errors,
        issued=issued,
        issued_for=issued_for,
    )


@router.get("/admin/tokens")
def tokens_page(request: Request) -> Response:
    require(request, Role.ADMIN)
    return _page(request, FormErrors())


@router.post("/admin/tokens")
def create_token(request: Request, form: PostedForm) -> Response:
    admin = require(request, Role.ADMIN)
    errors = FormErrors()
    account = None
    with contextlib.suppress(ValueError):
        account = web_of(request).accounts.get(UUID(text(form, "account")))
    if account is None:
        errors.add("account", "Choose the account the token acts as")
        return _page(request, errors, status=400)
    try:
        issued = _tokens(request).issue(
            account.user_id, text(form, "label"), f"{admin.actor} (web)"
        )
    except InvalidValue as e:
        errors.add_invalid(e)
        return _page(request, errors, status=400)
    return _page(request, errors, issued, account.name)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: str) -> Response:
    admin = require(request, Role.ADMIN)
    try:
        _tokens(request).revoke(token_id, f"{admin.actor} (web)")
    except InvalidValue:
        errors = FormErrors()
        errors.add("account", "No such token")
        return _page(request, errors, status=404)
    return redirect("/admin/tokens", "The token is revoked: it no longer works.", request)
