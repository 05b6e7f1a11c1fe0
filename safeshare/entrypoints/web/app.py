"""The web service: FastAPI, server-rendered with Jinja2, every page working without
JavaScript. Routes parse a form, call one service and render one read model.

`create_app(school)` builds it over one school's `Safeshare` (the composition root's); it runs
no background loops of its own, so several web workers never run two relays. The one thread it
starts builds the roll search's index once, as the school is opened, so that the first search
of the roll does not wait for it.

The event loop only reads requests and writes responses. Everything that blocks (the event
store, the projections' database, argon2, sealing, rendering) runs in anyio's threadpool: the
routes and exception handlers are plain `def`s (FastAPI and Starlette run those there), and the
session middleware hands its reads and writes to it. So one slow request does not hold up the
rest, and several requests of a worker run at once, in threads of one process: what they share
(the application and its repository cache, the recorders' connection pools, the projections'
connection, the key store, the sealer's and roll search's caches, the throttle) is locked or
pooled where it is kept. The pool is anyio's default of 40 threads a process; the PostgreSQL
event store's connections (`pg_pool_size` + `pg_max_overflow`) match it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from domain.user import AccountLocked
from safeshare.entrypoints.api.app import PREFIX as API_PREFIX
from safeshare.entrypoints.api.app import create_api
from safeshare.entrypoints.web import routes
from safeshare.entrypoints.web.metrics import METRICS_PATH, add_metrics_route
from safeshare.entrypoints.web.pages import (
    Forbidden,
    SignInRequired,
    Web,
    csrf_guard,
    render_page,
)
from safeshare.entrypoints.web.security import CsrfRejected, add_security_headers
from safeshare.entrypoints.web.sessions import COOKIE, SessionStore
from safeshare.entrypoints.web.throttle import AddressThrottle
from safeshare.services.actions import ActionService
from safeshare.services.attachments import AttachmentService
from safeshare.services.case_pages import CaseNotFound, CasePages
from safeshare.services.child_search import ChildSearch
from safeshare.services.referral_pages import ReferralPages
from safeshare.services.school import Safeshare

STATIC = Path(__file__).parent / "static"
SCRIPTS = Path(__file__).parent / "js"


def create_app(school: Safeshare) -> FastAPI:
    s = school.settings
    actions = ActionService(school.ctx)
    attachments = AttachmentService(school.ctx)
    cases = CasePages(school.ctx, school.views, actions, attachments)
    children = ChildSearch(school.ctx)
    children.warm_up()
    web = Web(
        school=school,
        accounts=school.accounts,
        children=children,
        cases=cases,
        referrals=ReferralPages(school.ctx, cases),
        actions=actions,
        attachments=attachments,
        sessions=SessionStore(
            school.projection_db(),
            school.ctx.clock,
            idle=timedelta(minutes=s.session_idle_minutes),
            absolute=timedelta(hours=s.session_absolute_hours),
        ),
        throttle=AddressThrottle(school.ctx.clock, s.web_address_failures_per_minute),
    )
    app = FastAPI(
        title="safeshare",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.web = web
    STATIC.mkdir(parents=True, exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/js", StaticFiles(directory=SCRIPTS), name="js")
    app.mount(API_PREFIX, create_api(web))
    for router in routes.ROUTERS:
        app.include_router(router)
    if s.web_metrics:
        add_metrics_route(app, school)

    @app.middleware("http")
    async def sessions_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith(API_PREFIX + "/") or (s.web_metrics and path == METRICS_PATH):
            response = await call_next(request)  # a token or none, never a session
            add_security_headers(request, response)
            return response
        if request.url.path.startswith(("/static/", "/js/", "/favicon.ico")):
            response = await call_next(request)  # files: no session to read or write
            add_security_headers(request, response)
            return response
        sent = request.cookies.get(COOKIE)
        session = await run_in_threadpool(web.sessions.get, sent) or web.sessions.new()
        request.state.session = session
        response = await call_next(request)
        current = request.state.session
        await run_in_threadpool(web.sessions.save, current)
        if current.sid != sent and not current.ended:
            response.set_cookie(
                COOKIE,
                current.sid,
                httponly=True,
                secure=s.cookie_secure,
                samesite="strict",
                path="/",
            )
        add_security_headers(request, response)
        return response

    # Plain `def`s: a page rendered for an error reads the account (Starlette runs these in its
    # threadpool too).
    @app.exception_handler(CaseNotFound)
    def not_found(request: Request, exc: CaseNotFound) -> Response:
        return _not_found(request)

    @app.exception_handler(404)
    def missing(request: Request, exc: Exception) -> Response:
        return _not_found(request)

    @app.exception_handler(CsrfRejected)
    def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return render_page(request, "errors/forbidden.html", status=403, reason="csrf")

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        return render_page(request, "errors/forbidden.html", status=403, reason="role")

    @app.exception_handler(SignInRequired)
    def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(AccountLocked)
    def locked(request: Request, exc: AccountLocked) -> Response:
        return render_page(request, "auth/locked.html", status=403)

    return app


def _not_found(request: Request) -> HTMLResponse:
    return render_page(request, "errors/not_found.html", status=404)
