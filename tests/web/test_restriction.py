"""A case restricted to named DSLs: an allegation against a member of staff (a DSL among
them) is not readable by the DSLs left out, on the worklist or by its link."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from domain.access import AccessLog
from domain.restriction import CaseRestriction
from domain.user import User
from safeshare.services.school import Safeshare
from tests.web.conftest import People
from tests.web.support import Browser, add_person, raise_concern, text_of


def test_a_dsl_outside_a_restricted_case_finds_nothing_and_the_attempt_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    deputy = add_person(web_school, "Mr Deputy", "deputy@school.test", "dsl")
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id, facts="An allegation about Mr Deputy.")

    dee = Browser(app, web_school)
    dee.sign_in(people.dsl)
    page = text_of(dee.get(f"/concerns/{concern_id}/restrict").text)
    assert "Mr Deputy (deputy@school.test)" in page
    r = dee.post(
        f"/concerns/{concern_id}/restrict",
        {"dsls": [str(User.create_id(people.dsl.email))]},
    )
    case = text_of(dee.follow(r).text)
    assert "The case is now readable only by the DSLs you named." in case
    assert "Restricted: only Mrs Dee &lt;dee@school.test&gt; may read this case" in case

    outsider = Browser(app, web_school)
    outsider.sign_in(deputy)
    assert outsider.get(f"/concerns/{concern_id}").status_code == 404
    assert concern_id not in outsider.get("/worklist").text
    assert concern_id in dee.get("/worklist").text
    assert staff.get(f"/concerns/{concern_id}").status_code == 200
    auditor = Browser(app, web_school)
    auditor.sign_in(people.auditor)
    assert auditor.get(f"/concerns/{concern_id}").status_code == 200

    log = web_school.app.get(AccessLog.create_id(UUID(concern_id)), AccessLog)
    refused = [
        getattr(e, "viewer", "")
        for e in web_school.app.events.get(log.id)
        if getattr(e, "action", "") == "refused: case page"
    ]
    assert refused == ["Mr Deputy <deputy@school.test>"]


def test_a_dsl_cannot_restrict_a_case_so_that_they_cannot_read_it(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    deputy = add_person(web_school, "Mr Deputy", "deputy@school.test", "dsl")
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id)
    dee = Browser(app, web_school)
    dee.sign_in(people.dsl)
    dee.get(f"/concerns/{concern_id}/restrict")
    r = dee.post(f"/concerns/{concern_id}/restrict", {"dsls": [str(User.create_id(deputy.email))]})
    assert r.status_code == 400
    assert "Dsls: include yourself among the DSLs who may read the case" in r.text
    assert web_school.app.find(CaseRestriction.create_id(UUID(concern_id)), CaseRestriction) is None
