"""The web service's routes, one module per part of the page map."""

from __future__ import annotations

from fastapi import APIRouter

from safeshare.entrypoints.web.routes import (
    actions,
    admin,
    audit,
    auth,
    cases,
    concerns,
    decision,
    referrals,
    reports,
    roll,
    setup,
    start,
    subject_access,
    tokens,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    setup.router,
    start.router,
    admin.router,
    roll.router,
    tokens.router,
    audit.router,
    reports.router,
    subject_access.router,
    concerns.router,
    actions.router,
    decision.router,
    referrals.router,
    cases.router,
]
