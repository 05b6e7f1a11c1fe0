"""The DSL assigns follow-up actions (who, what, by when): they are on the assignee's own
list and, once overdue, flagged there and on the DSL's worklist."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from domain.user import User
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.conftest import People
from tests.web.support import Browser, raise_concern, text_of


def due_fields(school: Safeshare, days: int) -> dict[str, str]:
    due = school.ctx.clock().date() + timedelta(days=days)
    return {"due-day": str(due.day), "due-month": str(due.month), "due-year": str(due.year)}


def test_an_action_is_on_the_assignees_list_and_flagged_once_overdue(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> None:
    raiser = Browser(app, web_school)
    raiser.sign_in(people.staff)
    concern_id = raise_concern(raiser, child_id)
    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    form = text_of(dsl.get(f"/concerns/{concern_id}/action").text)
    assert "Mr Brown (Member of staff)" in form
    assignee = str(User.create_id(people.other_staff.email))
    r = dsl.post(
        f"/concerns/{concern_id}/action",
        {"assignee": assignee, "what": "Check in with Ben at lunch", **due_fields(web_school, 1)},
    )
    case = text_of(dsl.follow(r).text)
    assert "Action assigned. It is on their list now." in case
    assert "Check in with Ben at lunch Mr Brown <brown@school.test>" in case.replace(
        "&lt;", "<"
    ).replace("&gt;", ">")

    brown = Browser(app, web_school)
    brown.sign_in(people.other_staff)
    mine = text_of(brown.get("/actions").text)
    assert "Ben Walsh Check in with Ben at lunch" in mine and "To do" in mine
    # holding an action on the case lets a member of staff read it
    assert brown.get(f"/concerns/{concern_id}").status_code == 200

    clock.advance(days=2)
    brown.sign_in(people.other_staff)
    assert "Overdue" in text_of(brown.get("/actions").text)
    dsl.sign_in(people.dsl)
    worklist = text_of(dsl.get("/worklist").text)
    assert "follow-up action overdue" in worklist

    page = brown.get("/actions").text
    action_id = page.split('action="/actions/', 1)[1].split("/done", 1)[0]
    r = brown.post(f"/actions/{action_id}/done", {})
    assert "Action marked as done." in text_of(brown.follow(r).text)
    assert "Done" in text_of(brown.get("/actions").text)


def test_an_action_without_a_date_or_due_in_the_past_is_refused_naming_the_field(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    raiser = Browser(app, web_school)
    raiser.sign_in(people.staff)
    concern_id = raise_concern(raiser, child_id)
    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    dsl.get(f"/concerns/{concern_id}/action")
    r = dsl.post(f"/concerns/{concern_id}/action", {"what": "Call home"})
    assert r.status_code == 400 and 'href="#due"' in r.text
    assert "Due: enter the date it is due" in r.text
    yesterday = due_fields(web_school, -1)
    r = dsl.post(f"/concerns/{concern_id}/action", {"what": "Call home", **yesterday})
    assert r.status_code == 400
    assert "Assignee: choose a member of staff or a DSL" in r.text
    r = dsl.post(
        f"/concerns/{concern_id}/action",
        {"what": "Call home", "assignee": str(User.create_id(people.staff.email)), **yesterday},
    )
    assert r.status_code == 400 and "Due: must be today or later" in r.text
    assert not web_school.app.recorder.select_notifications(
        start=None, limit=5, topics=["safeshare:action:assigned"]
    )
