"""Errors as RFC 9457 `application/problem+json`, naming the field (422), the policy rule
(409), or nothing at all for a case the token's account may not read (404, exactly as for a
missing id)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.errors import InvalidValue, PolicyRefusal, RecordChanged
from safeshare.services.case_pages import CaseNotFound

MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `field` names the first bad field, `rule` the policy rule."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    field: str | None = None
    rule: str | None = None
    errors: list[FieldProblem] = []


class RoleRefused(Exception):
    """The token's account does not hold a role this route needs."""


class NotAuthenticated(Exception):
    """No token, or one that is unknown, expired or revoked."""


def problem(status: int, title: str, **fields: Any) -> Response:
    body = Problem(status=status, title=title, **fields).model_dump(exclude_none=True)
    headers = {"WWW-Authenticate": 'Bearer realm="safeshare"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


NOT_FOUND_TITLE = "Not found"

_PROBLEM = {"model": Problem, "content": {MEDIA_TYPE: {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {**_PROBLEM, "description": "the body is not JSON"},
    401: {**_PROBLEM, "description": "no token, or one unknown, expired or revoked"},
    403: {**_PROBLEM, "description": "the account's role does not use this"},
    404: {**_PROBLEM, "description": "no such record, or one the account may not read"},
    409: {
        **_PROBLEM,
        "description": "the policy does not allow this (names the rule), or the record changed"
        " while the call was saving it (nothing saved; read it again)",
    },
    422: {**_PROBLEM, "description": "bad input (names the field)"},
}
"""Documented on every route, so the OpenAPI says what each error looks like."""


def install(api: FastAPI) -> None:
    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldProblem(
                field=".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
                message=str(e.get("msg", "not valid")),
            )
            for e in exc.errors()
        ]
        first = errors[0] if errors else FieldProblem(field="body", message="not valid")
        return problem(
            422,
            "The request is not valid",
            detail=f"{first.field}: {first.message}",
            field=first.field,
            errors=[e.model_dump() for e in errors],
        )

    @api.exception_handler(InvalidValue)
    async def invalid(request: Request, exc: InvalidValue) -> Response:
        return problem(
            422,
            "The request is not valid",
            detail=f"{exc.field}: {exc.problem}",
            field=exc.field,
            errors=[{"field": exc.field, "message": exc.problem}],
        )

    @api.exception_handler(PolicyRefusal)
    async def refused(request: Request, exc: PolicyRefusal) -> Response:
        return problem(409, "The policy does not allow this", detail=exc.message, rule=exc.rule)

    @api.exception_handler(RecordChanged)
    async def changed(request: Request, exc: RecordChanged) -> Response:
        return problem(
            409, "The record changed while this was saved", detail=str(exc), rule="record-changed"
        )

    @api.exception_handler(CaseNotFound)
    async def not_found(request: Request, exc: CaseNotFound) -> Response:
        return problem(404, NOT_FOUND_TITLE)

    @api.exception_handler(RoleRefused)
    async def role(request: Request, exc: RoleRefused) -> Response:
        return problem(403, "Your role does not use this", detail="the account's role")

    @api.exception_handler(NotAuthenticated)
    async def unauthenticated(request: Request, exc: NotAuthenticated) -> Response:
        return problem(401, "Sign in with an API token", detail="Authorization: Bearer <token>")

    @api.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return problem(404, NOT_FOUND_TITLE)
        return problem(exc.status_code, str(exc.detail))
