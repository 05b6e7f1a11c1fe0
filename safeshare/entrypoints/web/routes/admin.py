"""The administrator's pages: accounts (add one, unlock one, mark a deputy DSL, disable the
account of someone who has left, enable it again when they come back). No case content."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue, PolicyRefusal
from domain.user import ROLE_LABELS, Role
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
def users(request: Request) -> Response:
    require(request, Role.ADMIN)
    return _page(request, FormErrors(), {}, 200)


@router.post("/admin/users")
def add_user(request: Request, form: PostedForm) -> Response:
    admin = require(request, Role.ADMIN)
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
def unlock(request: Request, user_id: str) -> Response:
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


def _target(request: Request, user_id: str) -> Account | None:
    try:
        return web_of(request).accounts.get(UUID(user_id))
    except ValueError:
        return None


@router.get("/admin/users/{user_id}/disable")
def disable_page(request: Request, user_id: str) -> Response:
    admin = require(request, Role.ADMIN)
    account = _target(request, user_id)
    if account is None or account.user_id == admin.user_id:
        return _page(request, FormErrors(), {}, 404)
    return render_page(request, "admin/disable.html", target=account)


@router.post("/admin/users/{user_id}/disable")
def disable(request: Request, user_id: str) -> Response:
    """A member of staff who leaves loses their account: it cannot sign in, its sessions end
    and its API tokens stop working. Kept, so the record still names who did what."""
    admin = require(request, Role.ADMIN)
    account = _target(request, user_id)
    if account is None or account.user_id == admin.user_id:
        return _page(request, FormErrors(), {}, 404)
    web_of(request).accounts.disable(account.user_id, "left the school", f"{admin.actor} (web)")
    return redirect("/admin/users", f"{account.name}'s account is disabled.", request)


def _disabled_target(request: Request, user_id: str) -> Account | None:
    try:
        return web_of(request).accounts.disabled_account(UUID(user_id))
    except ValueError:
        return None


@router.get("/admin/users/{user_id}/enable")
def enable_page(request: Request, user_id: str) -> Response:
    require(request, Role.ADMIN)
    account = _disabled_target(request, user_id)
    if account is None:
        return _page(request, FormErrors(), {}, 404)
    return render_page(
        request, "admin/enable.html", target=account, target_role=ROLE_LABELS[account.role]
    )


@router.post("/admin/users/{user_id}/enable")
def enable(request: Request, user_id: str) -> Response:
    """Someone who left comes back (or was disabled by mistake): the account signs in again.
    Its old sessions stay ended and its old API tokens are revoked."""
    admin = require(request, Role.ADMIN)
    account = _disabled_target(request, user_id)
    if account is None:
        return _page(request, FormErrors(), {}, 404)
    web_of(request).accounts.enable(account.user_id, f"{admin.actor} (web)")
    return redirect(
        "/admin/users", f"{account.name}'s account is enabled: they can sign in again.", request
    )


@router.post("/admin/users/{user_id}/deputy")
def deputy(request: Request, user_id: str, form: PostedForm) -> Response:
    admin = require(request, Role.ADMIN)
    account = _target(request, user_id)
    if account is None:
        return _page(request, FormErrors(), {}, 404)
    errors = FormErrors()
    try:
        web_of(request).accounts.set_deputy(
            account.user_id, text(form, "deputy") == "yes", f"{admin.actor} (web)"
        )
    except PolicyRefusal as e:
        errors.add("deputy", str(e))
        return _page(request, errors, {}, 400)
    done = "is a deputy DSL" if text(form, "deputy") == "yes" else "is no longer a deputy DSL"
    return redirect("/admin/users", f"{account.name} {done}.", request)
