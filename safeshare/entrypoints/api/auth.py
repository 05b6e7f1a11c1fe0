"""Who is calling: the account behind `Authorization: Bearer <token>`, holding a role the
route needs. Every use of a token is recorded on it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from domain.api_token import TokenRefused
from domain.user import Role
from safeshare.entrypoints.api.problems import NotAuthenticated, RoleRefused
from safeshare.entrypoints.web.pages import Web
from safeshare.services.accounts import Account
from safeshare.services.api_tokens import ApiTokenService

VIA = "api"
bearer = HTTPBearer(auto_error=False, description="an API token: safeshare token create")


@dataclass
class Api:
    web: Web
    tokens: ApiTokenService


def api_of(request: Request) -> Api:
    api = request.app.state.api
    assert isinstance(api, Api)
    return api


def caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Account:
    if credentials is None:
        raise NotAuthenticated
    route = request.scope.get("route")
    what = f"{request.method} {getattr(route, 'path', request.url.path)}"
    try:
        return api_of(request).tokens.authenticate(credentials.credentials, what)
    except TokenRefused:
        raise NotAuthenticated from None


def role(*roles: Role) -> Callable[..., Coroutine[Any, Any, Account]]:
    """A dependency: the caller, holding one of `roles`."""

    async def check(account: Account = Depends(caller)) -> Account:
        if account.role not in roles:
            raise RoleRefused
        return account

    return check


def by(account: Account) -> str:
    """How the record names a command done through the API."""
    return account.actor


def viewer(account: Account) -> str:
    return f"{account.actor} ({VIA})"
