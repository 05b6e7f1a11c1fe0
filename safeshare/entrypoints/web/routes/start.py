"""Where each role lands after signing in; the pages part 2 fills in."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.user import Role
from safeshare.entrypoints.web.pages import START_PAGE, redirect, require, signed_in

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    account = signed_in(request)
    return redirect(START_PAGE[account.role] if account else "/login")


@router.get("/admin")
def admin(request: Request) -> Response:
    require(request, Role.ADMIN)
    return redirect("/admin/users")
