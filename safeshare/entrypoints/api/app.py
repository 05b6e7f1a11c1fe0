"""`/api/v1`: its own FastAPI application mounted in the web app, so that its OpenAPI is
published at `/api/v1/openapi.json` and none of the pages' sessions, cookies or CSRF apply
(a token in `Authorization: Bearer` is the only way in)."""

from __future__ import annotations

from fastapi import FastAPI

from safeshare.entrypoints.api import audit, cases, problems, reads
from safeshare.entrypoints.api.auth import Api
from safeshare.entrypoints.api.idempotency import IdempotencyKeys
from safeshare.entrypoints.web.pages import Web
from safeshare.services.api_tokens import ApiTokenService

PREFIX = "/api/v1"


def create_api(web: Web) -> FastAPI:
    api = FastAPI(
        title="safeshare API",
        version="1",
        description=(
            "The same commands and reads as the pages, for a school's MIS and a trust's "
            "tooling. Authenticate with an API token (`safeshare token create --for EMAIL` or "
            "the admin page): `Authorization: Bearer <token>`. Errors are RFC 9457 "
            "problem+json naming the field (422) or the policy rule (409); a case your account "
            "may not read is a 404, exactly as a missing one. Send an `Idempotency-Key` header "
            "on a POST or PUT: a retry with the same key and body is answered as the first "
            "call was, and records nothing more."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.api = Api(web, ApiTokenService(web.school.ctx, web.accounts))
    problems.install(api)
    api.middleware("http")(IdempotencyKeys(web.school.ctx.clock))
    for router in (cases.router, reads.router, audit.router):
        api.include_router(router)
    return api
