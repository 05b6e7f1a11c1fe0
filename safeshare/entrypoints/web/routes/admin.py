"""The administrator's pages: accounts (add one, unlock one). No case content."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import ROLE_LABELS, Role
from safeshare.entrypoints.web.pages import (
    FormErrors,
    redirect,
    render_page,
    require,
    text,
    web_of,
)

router = APIRouter()

FIELD_IDS = {"name": "name", "email": "email", "role": "role", "password": "password"}


def _page(request: Request, errors: FormErrors, values: dict[str, str], status: int) -> Response:
    return render_page(
        request,
        "admin/users.html",
        status=status,
        rows=web_of(request).accounts.listing(),
        roles=[(r.value, ROLE_LABELS[r], None) for r in Role],
        errors=errors,
        values=values,
    )


@router.get("/admin/users")
async def users(request: Request) -> Response:
    require(request, Role.ADMIN)
    return _page(request, FormErrors(), {}, 200)


@router.post("/admin/users")
async def add_user(request: Request) -> Response:
    admin = require(request, Role.ADMIN)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "password"}
    errors = FormErrors()
    try:
        web_of(request).accounts.add(
            text(form, "name"),
            text(form, "email"),
            text(form, "role"),
            text(form, "password"),
            f"{admin.actor} (web)",
        )
    except InvalidValue as e:
        errors.add_invalid(e, FIELD_IDS)
        return _page(request, errors, values, 400)
    return redirect(
        "/admin/users",
        "Account added. Give the person their first password in person.",
        request,
    )


@router.post("/admin/users/{user_id}/unlock")
async def unlock(request: Request, user_id: str) -> Response:
    admin = require(request, Role.ADMIN)
    web = web_of(request)
    try:
        account = web.accounts.get(UUID(user_id))
    except ValueError:
        account = None
    if account is None:
        return _page(request, FormErrors(), {}, 404)
    web.accounts.unlock(account.user_id, f"{admin.actor} (web)")
    return redirect("/admin/users", f"{account.name}'s account is unlocked.", request)
