"""The web service's routes, one module per part of the page map."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.entrypoints.web.routes import actions, admin, auth, cases, concerns, decision, start

ROUTERS: list[APIRouter] = [
    auth.router,
    start.router,
    admin.router,
    concerns.router,
    actions.router,
    decision.router,
    cases.router,
]
