"""A case shared with an agency, made by each test's own fixture (so journeys run alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI

from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.api_support import ApiClient, token_for
from tests.web.conftest import People
from tests.web.support import Browser, raise_concern


@dataclass(frozen=True)
class SharedCase:
    concern_id: str
    child_id: str
    before_decision: datetime
    referral_ids: list[str]


def make_shared_case(
    app: FastAPI, school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> SharedCase:
    """Raised by a member of staff in the browser; the DSL's consent, basis and decision to
    share with one agency through the API, a few minutes apart."""
    staff = Browser(app, school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id, **{"child-words": "He grabbed my arm"})
    dsl = ApiClient(app, token_for(school, people.dsl))
    clock.advance(minutes=5)
    r = dsl.post(
        f"/concerns/{concern_id}/consent", {"status": "not-sought", "reason": "risk-to-child"}
    )
    assert r.status_code == 200, r.text
    r = dsl.post(
        f"/concerns/{concern_id}/lawful-basis",
        {
            "article6": "public-task",
            "article9": "safeguarding",
            "justification": "Telling the family first would put the child at risk.",
        },
    )
    assert r.status_code == 200, r.text
    clock.advance(minutes=5)
    before = clock()
    clock.advance(minutes=5)
    agencies = [a["agency_id"] for a in school.agencies.entries()]
    r = dsl.post(
        f"/concerns/{concern_id}/decision",
        {
            "share": True,
            "reasons": "An injury and a disclosure naming an adult at home.",
            "purpose": "To protect the child from significant harm",
            "to": agencies[:1],
        },
    )
    assert r.status_code == 200, r.text
    clock.advance(minutes=5)
    return SharedCase(concern_id, child_id, before, r.json()["referral_ids"])
