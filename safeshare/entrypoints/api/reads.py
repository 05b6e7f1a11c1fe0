"""Children and the roll, the chronology, referrals, actions and the worklist: the same reads
as the pages, recorded the same way (with "(api)")."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field
from starlette.requests import Request

from domain.errors import InvalidValue
from domain.referral import Referral
from domain.user import Role
from safeshare.entrypoints.api.auth import api_of, by, caller, role, viewer
from safeshare.entrypoints.api.models import ActionDone, Done, RollChange
from safeshare.entrypoints.api.paging import CURSOR, LIMIT, Page, offset_page
from safeshare.entrypoints.api.problems import RESPONSES
from safeshare.services.accounts import Account
from safeshare.services.actions import ActionRow
from safeshare.services.case_pages import CaseNotFound, ConcernRow
from safeshare.services.chronology import Chronology, child_chronology
from safeshare.services.referrals import list_referrals
from safeshare.services.roll import RollImport

router = APIRouter(responses=RESPONSES)
READERS = role(Role.DSL, Role.AUDITOR)


class ChildOut(BaseModel):
    child_id: str
    erased: bool
    name: str | None = None
    dob: str | None = None
    upn: str | None = None
    concern_ids: list[str]


class ReferralRow(BaseModel):
    referral_id: str
    concern_id: str
    agency_id: str
    status: str
    urgent: bool
    attempts: int
    last_error: str | None = None
    escalation_reason: str | None = None
    updated_at: str


class PhoneCallOut(BaseModel):
    """A referral made by telephone (to the police or the MASH) before its packet."""

    called: str = Field(description="who took the call at the agency ([erased] once erased)")
    called_at: str = Field(description="when the call was made (ISO 8601)")
    reference: str = Field(description="the agency's reference for the call")
    recorded_by: str = Field(description="the account that phoned and recorded it")


class ReferralOut(BaseModel):
    referral_id: str
    concern_id: str
    agency_id: str | None = None
    status: str
    content_sha256: str | None = None
    sends: list[dict[str, object]]
    phone_call: PhoneCallOut | None = Field(
        default=None, description="the telephone referral, if the referral was phoned through"
    )
    packet: dict[str, object] | None


def _child_uuid(child_id: str) -> UUID:
    try:
        return UUID(child_id)
    except ValueError:
        raise CaseNotFound from None


@router.get("/children/{child_id}", tags=["children"])
def read_child(child_id: str, request: Request, account: Account = Depends(READERS)) -> ChildOut:
    """The child and their concerns (DSLs and auditors); the read is recorded."""
    school = api_of(request).web.school
    try:
        child = school.ctx.child(_child_uuid(child_id))
    except InvalidValue:
        raise CaseNotFound from None
    school.views.record_view(child.id, viewer(account), "child show")
    view = school.views.child_view(child)
    return ChildOut(
        child_id=str(child.id),
        erased=bool(view.get("erased")),
        name=view.get("name"),
        dob=view.get("dob"),
        upn=view.get("upn"),
        concern_ids=[str(c) for c in school.children.concern_ids(child.id)],
    )


@router.get("/children/{child_id}/chronology", tags=["children"])
def chronology(child_id: str, request: Request, account: Account = Depends(READERS)) -> Chronology:
    school = api_of(request).web.school
    try:
        return child_chronology(school, str(_child_uuid(child_id)), viewer(account))
    except InvalidValue:
        raise CaseNotFound from None


@router.put("/roll", tags=["children"])
def put_roll(
    request: Request,
    csv: str = Body(media_type="text/csv", description="the MIS pupil export, as for roll import"),
    account: Account = Depends(role(Role.ADMIN)),
    whole_roll: bool = Query(
        False,
        description="the file is the whole roll: pupils on the roll and not in it have left "
        "(without it, nobody is marked as leaving)",
    ),
) -> RollChange:
    """The nightly pupil roll from the MIS; answers what changed."""
    web = api_of(request).web
    result = RollImport(web.school.children, web.children).import_csv(csv, by(account), whole_roll)
    return RollChange(
        added=result.added,
        already_on_roll=result.already_on_roll,
        problems=result.problems,
        returned=result.returned,
        not_in_file=len(result.not_in_file),
        left=result.left,
    )


@router.get("/referrals", tags=["referrals"])
def referrals(
    request: Request,
    status: str | None = Query(default=None, max_length=40),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    account: Account = Depends(READERS),
) -> Page[ReferralRow]:
    """Every referral (no personal data), escalated and failed first; paged by cursor."""
    rows = list_referrals(api_of(request).web.school, status)
    return offset_page("referrals", [ReferralRow.model_validate(r) for r in rows], cursor, limit)


@router.get("/referrals/{referral_id}", tags=["referrals"])
def referral(
    referral_id: str, request: Request, account: Account = Depends(READERS)
) -> ReferralOut:
    """A referral and exactly what its agency received (frozen content and its hash)."""
    web = api_of(request).web
    try:
        found = web.school.app.find(UUID(referral_id), Referral)
    except ValueError:
        found = None
    if found is None:
        raise CaseNotFound
    web.cases.readable(str(found.concern_id), account, "referral")
    shown = web.school.views.show_referral(str(found.id), viewer(account))
    return ReferralOut.model_validate(shown)


@router.get("/actions", tags=["actions"])
def my_actions(
    request: Request,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    account: Account = Depends(role(Role.STAFF, Role.DSL)),
) -> Page[ActionRow]:
    """The caller's own follow-up actions, overdue first; paged by cursor."""
    rows = api_of(request).web.actions.rows(assignee_id=account.user_id)
    return offset_page("actions", rows, cursor, limit)


@router.post("/actions/{action_id}/done", tags=["actions"])
def action_done(
    action_id: str,
    body: ActionDone,
    request: Request,
    account: Account = Depends(role(Role.STAFF, Role.DSL)),
) -> Done:
    api_of(request).web.actions.complete(action_id, account.user_id, by(account), body.note)
    return Done(message="Action marked done.")


@router.get("/worklist", tags=["worklist"])
def worklist(
    request: Request,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    account: Account = Depends(role(Role.DSL)),
) -> Page[ConcernRow]:
    """The DSL's worklist, urgent first; paged by cursor. One view entry names the concerns
    of the whole list (each page's look is recorded)."""
    rows = api_of(request).web.cases.worklist(account, via="api")
    return offset_page("worklist", rows, cursor, limit)


@router.get("/me", tags=["account"])
def me(account: Account = Depends(caller)) -> dict[str, str]:
    return {"name": account.name, "email": account.email, "role": account.role.value}
