"""The web for many schools: one process serves every school, each at its own host name.

The school of a request is the one registered for the host name it was addressed to (the
`Host` header), never a path or a parameter; a host name no active school has is "not found",
as is every id of another school's records (each school's pages only ever see that school's
application). A session cookie or an API token belongs to the school whose pages issued it:
presented at another school's host, it is unknown there (a new session, or 401).

Each school's pages are `create_app(school)` over that school's application, leased from the
deployment's `SchoolApps` for the length of the request.
"""

from __future__ import annotations

import os
import threading

from anyio import to_thread
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from safeshare.tenants import SchoolApps, UnknownSchool, registry_for

OPEN_AT_ONCE_ENV = "SAFESHARE_WEB_OPEN_AT_ONCE"
"""How many schools' applications each web worker keeps open (`school serve --workers N`)."""


class SchoolsByHost:
    """An ASGI application: each request to its school's pages, chosen by host name."""

    def __init__(self, apps: SchoolApps) -> None:
        self.apps = apps
        self._pages: dict[str, tuple[Safeshare, FastAPI]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        try:
            tenant = await to_thread.run_sync(self.apps.tenant_for_host, host)
        except UnknownSchool:
            await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
            return
        lease = self.apps.lease(tenant.id)
        school = await to_thread.run_sync(lease.__enter__)
        try:
            pages = await to_thread.run_sync(self._pages_of, school)
            await pages(scope, receive, send)
        finally:
            await to_thread.run_sync(lease.__exit__, None, None, None)

    def _pages_of(self, school: Safeshare) -> FastAPI:
        """The school's pages over this very application (rebuilt when the application was
        closed and built again); those of schools no longer open are let go. In a thread:
        building them opens the school's session table."""
        sid = school.settings.school
        with self._lock:
            known = self._pages.get(sid)
            if known is not None and known[0] is school:
                return known[1]
            pages = create_app(school)
            self._pages[sid] = (school, pages)
            still_open = set(self.apps.open_schools())
            for other in [k for k in self._pages if k not in still_open]:
                del self._pages[other]
            return pages

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await to_thread.run_sync(self.apps.close)
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_schools_app(base: Settings | None = None, capacity: int = 8) -> SchoolsByHost:
    """The deployment's web, from its settings (`uvicorn --factory
    safeshare.entrypoints.web.tenants:create_schools_app`)."""
    settings = base or Settings()
    return SchoolsByHost(SchoolApps(settings, registry_for(settings), capacity=capacity))


def make_schools_app() -> SchoolsByHost:
    """`uvicorn --factory safeshare.entrypoints.web.tenants:make_schools_app`: built in each
    uvicorn worker process (`safeshare school serve --workers N`), from the environment."""
    return create_schools_app(capacity=int(os.environ.get(OPEN_AT_ONCE_ENV, "8")))
