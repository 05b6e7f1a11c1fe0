"""Concerns and each step of the flowchart, as the case pages do them: the same services,
the same permission checks (a case the account may not read is a 404, the attempt recorded),
every read recorded with the account and "(api)"."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends
from starlette.requests import Request

from domain.user import Role
from safeshare.entrypoints.api.auth import api_of, by, caller, role
from safeshare.entrypoints.api.models import (
    Advice,
    AssignAction,
    Consent,
    Created,
    Decision,
    DecisionOut,
    Done,
    FamilyInformed,
    LawfulBasis,
    RaiseConcern,
    Restriction,
)
from safeshare.entrypoints.api.problems import RESPONSES
from safeshare.services.accounts import Account
from safeshare.services.case_pages import CaseNotFound, CasePage
from safeshare.services.raising import RaisingDetails

router = APIRouter(tags=["concerns"], responses=RESPONSES)
VIA = "api"
DSL = role(Role.DSL)


READ_CONCERN = {
    "ReadTheConcern": {
        "operationId": "read_concern",
        "parameters": {"concern_id": "$response.body#/id"},
        "description": "The concern just raised, as the case page shows it.",
    },
    "RecordConsent": {
        "operationId": "consent",
        "parameters": {"concern_id": "$response.body#/id"},
    },
}


@router.post(
    "/concerns",
    status_code=201,
    responses={201: {"description": "Raised", "links": READ_CONCERN}},
)
def raise_concern(
    body: RaiseConcern, request: Request, account: Account = Depends(role(Role.STAFF, Role.DSL))
) -> Created:
    """Raise a concern about a child on the roll (staff and DSLs)."""
    web = api_of(request).web
    try:
        known = web.children.get(_uuid(body.child_id))
    except ValueError:
        known = None
    if known is None:
        raise CaseNotFound
    concern_id = web.school.concerns.raise_with_details(
        child_id=body.child_id,
        category=body.category.value,
        facts=body.facts,
        opinion=body.opinion,
        observed_at=body.observed_at,
        by=by(account),
        immediate_risk=body.immediate_risk,
        crime_suspected=body.crime_suspected,
        details=RaisingDetails(
            child_words=body.child_words,
            location=body.location,
            others_present=body.others_present,
            body_marks=[(m.region.value, m.note) for m in body.body_marks],
            raised_by_account=str(account.user_id),
        ),
    )
    return Created(id=str(concern_id))


@router.get("/concerns/{concern_id}", operation_id="read_concern")
def read_concern(concern_id: str, request: Request, account: Account = Depends(caller)) -> CasePage:
    """The case as the case page shows it; the read is recorded."""
    return api_of(request).web.cases.open_case(concern_id, account, via=VIA)


@router.post("/concerns/{concern_id}/consent", operation_id="consent")
def consent(
    concern_id: str, body: Consent, request: Request, account: Account = Depends(DSL)
) -> Done:
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    web.school.concerns.record_consent(
        str(concern.id),
        body.status.value,
        by(account),
        from_whom=body.from_whom.value if body.from_whom else None,
        reason=body.reason.value if body.reason else None,
        note=body.note,
        scope=[],
    )
    return Done(message="Consent recorded.")


@router.post("/concerns/{concern_id}/advice")
def advice(
    concern_id: str, body: Advice, request: Request, account: Account = Depends(DSL)
) -> Done:
    """Advice sought (golden rule 3), anonymised unless the DSL says why the adviser was told
    who the child is."""
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    web.school.concerns.seek_advice(
        str(concern.id),
        body.from_whom,
        body.question,
        by(account),
        answer=body.answer,
        identified=body.identified,
        identified_reason=body.identified_reason,
    )
    return Done(message="Advice recorded.")


@router.post("/concerns/{concern_id}/restriction")
def restrict(
    concern_id: str, body: Restriction, request: Request, account: Account = Depends(DSL)
) -> Done:
    """Restrict the case to the named DSLs (an allegation against a member of staff); the
    restricting DSL must be among them."""
    web = api_of(request).web
    web.cases.restrict(concern_id, account, body.dsl_ids, via=VIA)
    return Done(message="The case is now readable only by the DSLs named.")


@router.post("/concerns/{concern_id}/lawful-basis")
def lawful_basis(
    concern_id: str, body: LawfulBasis, request: Request, account: Account = Depends(DSL)
) -> Done:
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    web.school.concerns.record_lawful_basis(
        str(concern.id),
        body.article6.value,
        body.justification,
        by(account),
        article9=body.article9.value if body.article9 else None,
    )
    return Done(message="Lawful basis recorded.")


@router.post("/concerns/{concern_id}/decision")
def decide(
    concern_id: str, body: Decision, request: Request, account: Account = Depends(DSL)
) -> DecisionOut:
    """The sharing decision (the flowchart's questions answered at once): share or not, the
    reasons, the purpose and the agencies; a policy refusal names the rule (409)."""
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    result = web.school.concerns.decide(
        str(concern.id),
        body.share,
        body.reasons,
        by(account),
        purpose=body.purpose,
        to=body.to,
        police_not_told_reason=body.police_not_told_reason,
    )
    return DecisionOut(
        share=result.share,
        referral_ids=[str(r) for r in result.referral_ids],
        decided_at_step=result.decided_at_step,
    )


@router.post("/concerns/{concern_id}/family-informed")
def family_informed(
    concern_id: str, body: FamilyInformed, request: Request, account: Account = Depends(DSL)
) -> Done:
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    web.school.concerns.inform(str(concern.id), body.informed, by(account), reason=body.reason)
    return Done(message="Recorded whether the family was told.")


@router.post("/concerns/{concern_id}/actions", status_code=201)
def assign_action(
    concern_id: str, body: AssignAction, request: Request, account: Account = Depends(DSL)
) -> Created:
    web = api_of(request).web
    concern = web.cases.for_casework(concern_id, account)
    action_id = web.actions.assign(
        str(concern.id), body.assignee_id, body.what, body.due, by(account)
    )
    return Created(id=str(action_id))


def _uuid(value: str) -> UUID:
    return UUID(value)
