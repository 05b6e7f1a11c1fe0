"""Signing in: argon2id passwords, a second factor for DSLs, enrolment with recovery codes,
sessions that end, and ten wrong passwords lock the account (in the audit trail)."""

from __future__ import annotations

import re

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient

from domain.user import User
from safeshare.services.projections import runner
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.conftest import People
from tests.web.support import PASSWORD, Browser, text_of


def test_a_wrong_password_says_so_without_saying_which_part(
    browser: Browser, people: People
) -> None:
    browser.get("/login")
    r = browser.post("/login", {"email": people.staff.email, "password": "not the password"})
    assert r.status_code == 400
    assert "The email address or password is not right" in r.text
    unknown = browser.post("/login", {"email": "nobody@school.test", "password": "x" * 12})
    assert "The email address or password is not right" in unknown.text


def test_a_dsl_needs_the_code_from_the_authenticator_after_the_password(
    browser: Browser, people: People, web_school: Safeshare
) -> None:
    browser.get("/login")
    r = browser.post("/login", {"email": people.dsl.email, "password": PASSWORD})
    assert r.headers["location"] == "/login/second-factor"
    assert browser.get("/worklist").headers["location"] == "/login"
    browser.get("/login/second-factor")
    wrong = browser.post("/login/second-factor", {"code": "000000"})
    assert "The code is not right" in wrong.text
    assert people.dsl.totp_secret
    code = pyotp.TOTP(people.dsl.totp_secret).at(web_school.ctx.clock())
    r = browser.post("/login/second-factor", {"code": code})
    assert r.headers["location"] == "/worklist"
    assert "Worklist" in text_of(browser.get("/worklist").text)


def test_first_sign_in_enrols_the_authenticator_and_shows_recovery_codes_once(
    browser: Browser, web_school: Safeshare
) -> None:
    web_school.accounts.add("Mr Deputy", "deputy@school.test", "dsl", PASSWORD, "test")
    browser.get("/login")
    r = browser.post("/login", {"email": "deputy@school.test", "password": PASSWORD})
    assert r.headers["location"] == "/account/second-factor"
    page = browser.get("/account/second-factor").text
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert secret
    code = pyotp.TOTP(secret.group(1)).at(web_school.ctx.clock())
    r = browser.post("/account/second-factor", {"code": code})
    assert r.headers["location"] == "/account/recovery-codes"
    codes = re.findall(
        r"<li><code>([0-9a-f]+)</code></li>", browser.get(r.headers["location"]).text
    )
    assert len(codes) == 10
    assert "shown only once" in browser.get("/account/recovery-codes").text
    # a recovery code signs in once, and only once
    browser.post("/logout", {})
    for expected in ("/worklist", None):
        browser.get("/login")
        browser.post("/login", {"email": "deputy@school.test", "password": PASSWORD})
        browser.get("/login/second-factor")
        r = browser.post("/login/second-factor", {"code": codes[0]})
        if expected:
            assert r.headers["location"] == expected
            browser.post("/logout", {})
        else:
            assert r.status_code == 400


def test_a_session_ends_when_idle_and_at_its_absolute_limit(
    browser: Browser, people: People, clock: FakeClock
) -> None:
    browser.sign_in(people.staff)
    assert browser.get("/concerns/new").status_code == 200
    clock.advance(minutes=31)
    assert browser.get("/concerns/new").headers["location"] == "/login"
    browser.sign_in(people.staff)
    for _ in range(20):  # 20 x 29 minutes: 9 h 40 min, never idle for 30
        clock.advance(minutes=29)
        assert browser.get("/concerns/new").status_code == 200
    clock.advance(minutes=29)
    assert browser.get("/concerns/new").headers["location"] == "/login"


def test_signing_in_gives_a_new_session_id_and_signing_out_ends_it(
    browser: Browser, people: People
) -> None:
    browser.get("/login")
    before = browser.client.cookies.get("safeshare_session")
    browser.sign_in(people.staff)
    after = browser.client.cookies.get("safeshare_session")
    assert before and after and before != after
    browser.get("/concerns/new")
    thief = TestClient(browser.client.app, base_url="https://testserver", follow_redirects=False)
    thief.cookies.set("safeshare_session", after)
    assert thief.get("/concerns/new").status_code == 200
    browser.post("/logout", {})
    assert thief.get("/concerns/new").headers["location"] == "/login"


def test_ten_wrong_passwords_lock_the_account_and_the_audit_trail_says_so(
    app: FastAPI, people: People, web_school: Safeshare
) -> None:
    for attempt in range(10):
        # a fresh browser each time: the per-address limit is not what is tested here
        b = Browser(app, web_school)
        b.get("/login")
        r = b.post("/login", {"email": people.staff.email, "password": f"wrong {attempt}"})
        assert r.status_code in (400, 403)
    b = Browser(app, web_school)
    b.get("/login")
    r = b.post("/login", {"email": people.staff.email, "password": PASSWORD})
    assert r.status_code == 403
    assert "This account is locked" in r.text
    user = web_school.app.get(User.create_id(people.staff.email), User)
    assert user.locked
    trail = runner(web_school, "audit_trail")
    trail.catch_up()
    from projections.audit_trail import query

    with trail.db.transaction() as tx:
        rows = query(tx, record=str(user.id))
    actions = [row.action for row in rows]
    assert actions.count("user sign-in-failed") == 10
    assert "user locked-out" in actions


def test_a_session_made_by_one_web_worker_is_honoured_by_another_on_the_same_data(
    browser: Browser, people: People, web_school: Safeshare, clock: FakeClock
) -> None:
    """Two web workers (two processes' apps over the same school): the session is in the
    school's database, so either worker serves the signed-in person, and signing out on one
    ends it on both."""
    from safeshare.bootstrap import build
    from safeshare.entrypoints.web.app import create_app

    browser.sign_in(people.dsl)
    sid = browser.client.cookies.get("safeshare_session")
    assert sid
    second = build(web_school.settings, clock=clock)
    try:
        other = TestClient(
            create_app(second), base_url="https://testserver", follow_redirects=False
        )
        other.cookies.set("safeshare_session", sid)
        assert other.get("/worklist").status_code == 200
        clock.advance(minutes=20)  # used on the second worker: not idle on the first
        assert other.get("/worklist").status_code == 200
        clock.advance(minutes=20)
        assert browser.get("/worklist").status_code == 200
        browser.post("/logout", {})
        assert other.get("/worklist").headers["location"] == "/login"
    finally:
        second.close()
