"""The administrator adds accounts, unlocks a locked one, disables the account of someone who
has left and enables it again when they come back; nothing of any case."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from domain.user import User
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.conftest import People
from tests.web.support import PASSWORD, Browser, text_of


def test_an_admin_adds_a_deputy_dsl_who_then_enrols_at_first_sign_in(
    app: FastAPI, web_school: Safeshare, people: People, browser: Browser
) -> None:
    assert browser.sign_in(people.admin).headers["location"] == "/admin/users"
    browser.get("/admin/users")
    r = browser.post(
        "/admin/users",
        {"name": "Mr Deputy", "email": "deputy@school.test", "role": "dsl", "password": PASSWORD},
    )
    page = text_of(browser.follow(r).text)
    assert "Account added." in page
    assert "Mr Deputy deputy@school.test dsl Not yet signed in" in page
    added = web_school.app.get(User.create_id("deputy@school.test"), User)
    assert added.added_by == "Mr Admin <admin@school.test> (web)"
    deputy = Browser(app, web_school)
    deputy.get("/login")
    r = deputy.post("/login", {"email": "deputy@school.test", "password": PASSWORD})
    assert r.headers["location"] == "/account/second-factor"


def test_bad_input_on_the_add_form_names_the_field_and_adds_nobody(
    web_school: Safeshare, people: People, browser: Browser
) -> None:
    browser.sign_in(people.admin)
    browser.get("/admin/users")
    r = browser.post(
        "/admin/users",
        {"name": "X", "email": "x@school.test", "role": "staff", "password": "short"},
    )
    assert r.status_code == 400
    assert "<title>Error: Accounts" in r.text
    assert 'href="#password"' in r.text and "must be at least 12 characters" in r.text
    assert web_school.app.find(User.create_id("x@school.test"), User) is None


def test_an_admin_unlocks_a_locked_account(
    app: FastAPI, web_school: Safeshare, people: People, browser: Browser
) -> None:
    for attempt in range(10):
        b = Browser(app, web_school)
        b.get("/login")
        b.post("/login", {"email": people.staff.email, "password": f"wrong {attempt}"})
    browser.sign_in(people.admin)
    page = text_of(browser.get("/admin/users").text)
    assert "Ms Green green@school.test staff Locked Unlock Ms Green" in page
    user_id = User.create_id(people.staff.email)
    r = browser.post(f"/admin/users/{user_id}/unlock", {})
    assert "Ms Green&#39;s account is unlocked." in browser.follow(r).text
    staff = Browser(app, web_school)
    assert staff.sign_in(people.staff).headers["location"] == "/concerns/new"


def test_a_member_of_staff_who_leaves_loses_their_account(
    app: FastAPI, web_school: Safeshare, people: People, browser: Browser
) -> None:
    """The admin disables it: the signed-in session ends, the password no longer signs in,
    the API token stops working, and the record keeps the account and who disabled it."""
    from tests.web.api_support import ApiClient, token_for

    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    assert staff.get("/concerns/new").status_code == 200
    api = ApiClient(app, token_for(web_school, people.staff))
    assert api.get("/me").status_code == 200
    browser.sign_in(people.admin)
    user_id = User.create_id(people.staff.email)
    assert f'href="/admin/users/{user_id}/disable"' in browser.get("/admin/users").text
    confirm = text_of(browser.get(f"/admin/users/{user_id}/disable").text)
    assert "Disable Ms Green's account?" in confirm.replace("&#39;", "'")
    assert staff.get("/concerns/new").status_code == 200  # nothing changed by looking
    r = browser.post(f"/admin/users/{user_id}/disable", {})
    page = text_of(browser.follow(r).text)
    assert "Ms Green's account is disabled." in page.replace("&#39;", "'")
    assert "Ms Green green@school.test staff Disabled" in page
    assert staff.get("/concerns/new").headers["location"] == "/login"
    again = Browser(app, web_school)
    r = again.sign_in(people.staff)
    assert r.status_code == 400 and "The email address or password is not right" in r.text
    assert api.get("/me").status_code == 401
    user = web_school.app.get(user_id, User)
    assert user.disabled
    disabled = [e for e in web_school.app.events.get(user_id) if isinstance(e, User.Disabled)]
    assert [e.recorded_by for e in disabled] == ["Mr Admin <admin@school.test> (web)"]
    r = browser.post(f"/admin/users/{user_id}/disable", {})
    assert r.status_code == 404  # not twice


def test_a_member_of_staff_who_comes_back_signs_in_again_but_nothing_of_before_returns(
    app: FastAPI, web_school: Safeshare, people: People, browser: Browser, clock: FakeClock
) -> None:
    """Disabled, then enabled again by the admin: the password signs in again, but the browser
    left signed in from before stays signed out (even though it was not used in between),
    the old API token stays refused and is revoked, and the record says who enabled the
    account and when."""
    from domain.api_token import ApiToken
    from tests.web.api_support import ApiClient, token_for

    before = Browser(app, web_school)
    before.sign_in(people.staff)
    assert before.get("/concerns/new").status_code == 200
    api = ApiClient(app, token_for(web_school, people.staff))
    user_id = User.create_id(people.staff.email)
    web_school.accounts.disable(user_id, "left the school", "test set-up")

    browser.sign_in(people.admin)
    page = browser.get("/admin/users").text
    assert f'href="/admin/users/{user_id}/enable"' in page
    assert f'href="/admin/users/{user_id}/disable"' not in page
    confirm = text_of(browser.get(f"/admin/users/{user_id}/enable").text).replace("&#39;", "'")
    assert "Enable Ms Green's account again?" in confirm
    assert "Their role is unchanged: member of staff." in confirm
    assert web_school.app.get(user_id, User).disabled  # nothing changed by looking
    clock.advance(minutes=5)
    r = browser.post(f"/admin/users/{user_id}/enable", {})
    page = text_of(browser.follow(r).text).replace("&#39;", "'")
    assert "Ms Green's account is enabled: they can sign in again." in page
    assert "Ms Green green@school.test staff Active" in page

    assert before.get("/concerns/new").headers["location"] == "/login"
    assert api.get("/me").status_code == 401
    tokens = [web_school.app.get(t, ApiToken) for t in _tokens_of(web_school, user_id)]
    assert tokens and all(t.revoked for t in tokens)
    again = Browser(app, web_school)
    assert again.sign_in(people.staff).headers["location"] == "/concerns/new"
    assert again.get("/concerns/new").status_code == 200
    enabled = [e for e in web_school.app.events.get(user_id) if isinstance(e, User.Enabled)]
    assert [(e.recorded_by, e.timestamp) for e in enabled] == [
        ("Mr Admin <admin@school.test> (web)", clock())
    ]
    assert browser.post(f"/admin/users/{user_id}/enable", {}).status_code == 404  # not twice


def _tokens_of(school: Safeshare, user_id: object) -> list[UUID]:
    from safeshare.adapters.case_index import TOKENS_OF_ACCOUNT

    return list(school.app.index.records_keyed(TOKENS_OF_ACCOUNT, str(user_id)))


def test_an_admin_marks_a_dsl_as_a_deputy_and_only_a_dsl(
    web_school: Safeshare, people: People, browser: Browser
) -> None:
    browser.sign_in(people.admin)
    browser.get("/admin/users")
    r = browser.post(f"/admin/users/{User.create_id(people.dsl.email)}/deputy", {"deputy": "yes"})
    assert "Mrs Dee is a deputy DSL." in browser.follow(r).text
    assert "Mrs Dee dee@school.test dsl (deputy)" in text_of(
        browser.page.text if browser.page else ""
    )
    r = browser.post(f"/admin/users/{User.create_id(people.staff.email)}/deputy", {"deputy": "yes"})
    assert r.status_code == 400 and "only a DSL account can be a deputy DSL" in r.text
    assert not web_school.app.get(User.create_id(people.staff.email), User).deputy
