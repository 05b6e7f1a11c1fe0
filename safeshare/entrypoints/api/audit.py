"""The auditor's reads: the audit trail (filtered, paged by cursor), a case replayed as of a
moment with its inclusion proofs checked, and the governors' timeliness report."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.requests import Request

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.api.auth import api_of, role, viewer
from safeshare.entrypoints.api.paging import CURSOR, LIMIT, Page, decode, encode
from safeshare.entrypoints.api.problems import RESPONSES
from safeshare.reports.timeliness import Report
from safeshare.services.accounts import Account
from safeshare.services.audit_pages import AuditPages, TrailFilter
from safeshare.services.case_pages import CaseNotFound
from safeshare.services.chronology import timeliness_report

router = APIRouter(responses=RESPONSES)
AUDITOR = role(Role.AUDITOR)


class Replay(BaseModel):
    concern_id: str
    as_of: str
    existed: bool
    message: str | None = None
    version: int | None = None
    concern: dict[str, Any] | None = None
    events: list[dict[str, Any]]
    referrals: list[dict[str, Any]] = []
    checkpoint: str | None = None
    all_included: bool
    later_events: int | None = None
    newest_checkpoint_at: str | None = None


@router.get("/audit/trail", tags=["audit"])
def trail(
    request: Request,
    record: str | None = Query(default=None, max_length=64),
    actor: str | None = Query(default=None, max_length=200),
    action: str | None = Query(default=None, max_length=200),
    since: date | None = Query(default=None, alias="from"),
    until: date | None = Query(default=None, alias="to"),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    account: Account = Depends(AUDITOR),
) -> Page[dict[str, Any]]:
    """Who did what, when, to which record, oldest first, paged by cursor; the look itself
    is recorded."""
    after = decode("audit-trail", cursor)
    pages = AuditPages(api_of(request).web.school)
    found = pages.trail(
        TrailFilter(record, actor, action, since, until), viewer(account), after, limit
    )
    following = None if found.next_cursor is None else encode("audit-trail", found.next_cursor)
    return Page(items=[asdict(r) for r in found.rows], next_cursor=following)


@router.get("/audit/replay/{concern_id}", tags=["audit"])
def replay(
    concern_id: str,
    request: Request,
    as_of: str = Query(max_length=40, description="ISO 8601 moment"),
    account: Account = Depends(AUDITOR),
) -> Replay:
    """The case exactly as it stood at `as_of`, each event's inclusion proof checked against
    the signed checkpoint (quoted)."""
    web = api_of(request).web
    web.cases.readable(concern_id, account, "replay")
    answer = AuditPages(web.school).replay(concern_id, as_of, viewer(account))
    return Replay.model_validate(answer)


@router.get("/reports/timeliness", tags=["reports"])
def timeliness(
    request: Request,
    since: date = Query(alias="from"),
    until: date = Query(alias="to"),
    account: Account = Depends(role(Role.DSL, Role.AUDITOR)),
) -> Report:
    """The governors' report for a period."""
    school = api_of(request).web.school
    try:
        return timeliness_report(school, since, until)
    except InvalidValue:
        raise
    except KeyError:
        raise CaseNotFound from None
