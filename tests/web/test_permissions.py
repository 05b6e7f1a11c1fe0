"""Every route for every role. A case an account may not read answers 404, byte for byte
as a missing one does, and the attempt is recorded on the case's access log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from domain.access import AccessLog
from safeshare.services.school import Safeshare
from tests.web.conftest import People
from tests.web.support import Browser, Person, raise_concern

ROLES = ("anonymous", "staff", "other_staff", "dsl", "auditor", "admin")


@dataclass
class Case:
    concern_id: str
    child_id: str


@pytest.fixture
def case(app: FastAPI, web_school: Safeshare, people: People, child_id: str) -> Case:
    """A concern raised by `people.staff`."""
    b = Browser(app, web_school)
    b.sign_in(people.staff)
    return Case(raise_concern(b, child_id), child_id)


# (method, path, expected status for each role in ROLES order); 303 is "go and sign in".
ROUTES: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/worklist", (303, 403, 403, 200, 403, 403)),
    ("GET", "/concerns/new", (303, 200, 200, 200, 403, 403)),
    ("GET", "/concerns/mine", (303, 200, 200, 200, 403, 403)),
    ("GET", "/concerns/new/{child}", (303, 200, 200, 200, 403, 403)),
    ("GET", "/concerns/{case}", (303, 200, 404, 200, 200, 404)),
    ("GET", "/concerns/{missing}", (303, 404, 404, 404, 404, 404)),
    ("GET", "/concerns/{case}/consent", (303, 404, 404, 200, 404, 404)),
    ("GET", "/concerns/{case}/basis", (303, 404, 404, 200, 404, 404)),
    ("GET", "/concerns/{case}/inform", (303, 404, 404, 200, 404, 404)),
    ("GET", "/concerns/{case}/decide/purpose", (303, 404, 404, 200, 404, 404)),
    ("POST", "/concerns/{case}/decide/check", (303, 404, 404, 400, 404, 404)),
    ("GET", "/concerns/{case}/restrict", (303, 404, 404, 200, 404, 404)),
    ("GET", "/concerns/{case}/action", (303, 404, 404, 200, 404, 404)),
    ("GET", "/actions", (303, 200, 200, 200, 403, 403)),
    ("GET", "/attachments/{missing}", (303, 404, 404, 404, 404, 404)),
    ("POST", "/concerns/{case}/attachments", (303, 303, 404, 303, 403, 403)),
    ("POST", "/concerns/{case}/acknowledge", (303, 404, 404, 404, 404, 404)),
    ("POST", "/concerns/{case}/consent", (303, 404, 404, 400, 404, 404)),
    ("POST", "/concerns/{case}/decide/reasons", (303, 404, 404, 400, 404, 404)),
    ("GET", "/children/{child}/chronology", (303, 403, 403, 200, 200, 403)),
    ("GET", "/children/{missing}/chronology", (303, 403, 403, 404, 404, 403)),
    ("GET", "/children/{child}/erase", (303, 403, 403, 200, 403, 403)),
    ("POST", "/children/{child}/erase", (303, 403, 403, 400, 403, 403)),
    ("GET", "/audit", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/trail", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/trail.csv", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/replay", (303, 403, 403, 403, 200, 403)),
    ("POST", "/audit/replay", (303, 403, 403, 403, 400, 403)),
    ("GET", "/audit/replay/{case}?as_of=x", (303, 403, 403, 403, 400, 403)),
    ("GET", "/audit/replay/{missing}?as_of=x", (303, 403, 403, 403, 404, 403)),
    ("GET", "/audit/verify", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/export", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/shared/{case}", (303, 403, 403, 403, 200, 403)),
    ("GET", "/audit/shared/{missing}", (303, 403, 403, 403, 404, 403)),
    ("GET", "/reports/timeliness", (303, 403, 403, 200, 200, 403)),
    ("POST", "/concerns/new/{child}", (303, 400, 400, 400, 403, 403)),
    ("POST", "/concerns/{case}/restrict", (303, 404, 404, 400, 404, 404)),
    ("GET", "/children/{child}/subject-access", (303, 403, 403, 200, 403, 403)),
    ("POST", "/children/{child}/subject-access", (303, 403, 403, 400, 403, 403)),
    ("GET", "/children/{missing}/subject-access", (303, 403, 403, 404, 403, 403)),
    ("GET", "/admin/tokens", (303, 403, 403, 403, 403, 200)),
    ("POST", "/admin/tokens", (303, 403, 403, 403, 403, 400)),
    ("GET", "/login/passkey/options", (403, 403, 403, 403, 403, 403)),
    ("GET", "/admin", (303, 403, 403, 403, 403, 303)),
    ("GET", "/admin/users", (303, 403, 403, 403, 403, 200)),
    ("POST", "/admin/users", (303, 403, 403, 403, 403, 400)),
    ("GET", "/admin/users/{missing}/enable", (303, 403, 403, 403, 403, 404)),
    ("POST", "/admin/users/{missing}/enable", (303, 403, 403, 403, 403, 404)),
    ("GET", "/admin/roll", (303, 403, 403, 403, 403, 200)),
    ("POST", "/admin/roll", (303, 403, 403, 403, 403, 400)),
    ("POST", "/admin/roll/leavers", (303, 403, 403, 403, 403, 400)),
]


def signed_in_as(role: str, app: FastAPI, school: Safeshare, people: People) -> Browser:
    b = Browser(app, school)
    if role != "anonymous":
        person: Person = getattr(people, role)
        b.sign_in(person)
    return b


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_every_route_answers_each_role_as_the_table_says(
    app: FastAPI, web_school: Safeshare, people: People, case: Case, role_index: int, role: str
) -> None:
    b = signed_in_as(role, app, web_school, people)
    missing = str(uuid.uuid4())
    wrong = []
    for method, template, expected in ROUTES:
        path = template.format(case=case.concern_id, child=case.child_id, missing=missing)
        r = b.get(path) if method == "GET" else b.post(path, {})
        if r.status_code != expected[role_index]:
            wrong.append(f"{method} {template}: {r.status_code}, expected {expected[role_index]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["other_staff", "admin"])
def test_a_case_the_account_may_not_read_looks_exactly_like_a_missing_one_and_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, case: Case, role: str
) -> None:
    b = signed_in_as(role, app, web_school, people)
    refused = b.get(f"/concerns/{case.concern_id}")
    missing = b.get(f"/concerns/{uuid.uuid4()}")
    assert refused.status_code == missing.status_code == 404
    assert refused.text == missing.text
    log = web_school.app.get(AccessLog.create_id(uuid.UUID(case.concern_id)), AccessLog)
    events = list(web_school.app.events.get(log.id))
    person: Person = getattr(people, role)
    refusals = [e for e in events if getattr(e, "action", "") == "refused: case page"]
    assert [getattr(e, "viewer", None) for e in refusals] == [f"{person.name} <{person.email}>"]


def test_every_view_of_a_case_is_recorded_with_who_looked(
    app: FastAPI, web_school: Safeshare, people: People, case: Case
) -> None:
    for role in ("staff", "dsl", "auditor"):
        signed_in_as(role, app, web_school, people).get(f"/concerns/{case.concern_id}")
    log = web_school.app.get(AccessLog.create_id(uuid.UUID(case.concern_id)), AccessLog)
    viewers = [
        getattr(e, "viewer", None)
        for e in web_school.app.events.get(log.id)
        if getattr(e, "action", "") == "concern show"
    ]
    assert viewers == [
        "Ms Green <green@school.test> (web)",
        "Mrs Dee <dee@school.test> (web)",
        "Ms Audit <audit@school.test> (web)",
    ]
