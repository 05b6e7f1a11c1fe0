"""The one-time set-up link `make run` prints: the first administrator chooses their own
password and sets up the second factor; the link works once and expires; bad input is named
and spends nothing."""

from __future__ import annotations

import re

import pyotp
from fastapi import FastAPI

from domain.setup_link import SetupLink
from domain.user import Role, User
from safeshare.services.school import Safeshare
from safeshare.services.setup_links import SetupLinks
from tests.support import FakeClock
from tests.web.support import PASSWORD, Browser, problems, text_of


def _path(web_school: Safeshare, hours: float | None = None) -> str:
    link = SetupLinks(web_school.ctx, web_school.accounts).issue("root (command line)", hours)
    assert link.url.startswith(web_school.settings.web_base_url.rstrip("/") + "/setup/")
    return link.url[len(web_school.settings.web_base_url.rstrip("/")) :]


def test_the_first_administrator_signs_in_with_the_one_time_link_once(
    app: FastAPI, web_school: Safeshare, browser: Browser
) -> None:
    path = _path(web_school)
    page = browser.get(path)
    assert page.status_code == 200 and "Set up the first administrator" in page.text
    r = browser.post(path, {"name": "Ms Head", "email": "head@school.test", "password": "short"})
    assert r.status_code == 400 and "must be at least 12 characters" in problems(r.text)
    assert web_school.app.find(User.create_id("head@school.test"), User) is None
    r = browser.post(path, {"name": "", "email": "head@school.test", "password": PASSWORD})
    assert r.status_code == 400 and 'href="#name"' in r.text
    r = browser.post(
        path, {"name": "Ms Head <b>", "email": "head@school.test", "password": PASSWORD}
    )
    assert r.headers["location"] == "/account/second-factor"
    enrol = browser.follow(r)
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text)
    assert found, text_of(enrol.text)[:500]
    secret = found.group(1)
    r = browser.post(
        "/account/second-factor", {"code": pyotp.TOTP(secret).at(web_school.ctx.clock())}
    )
    assert r.headers["location"] == "/account/recovery-codes"
    users = browser.get("/admin/users")
    assert users.status_code == 200 and "Ms Head &lt;b&gt;" in users.text
    user = web_school.app.get(User.create_id("head@school.test"), User)
    assert user.role is Role.ADMIN and user.added_by.startswith("first administrator")

    again = Browser(app, web_school)
    assert again.get(path).status_code == 404  # spent
    r = again.post(path, {"name": "Mallory", "email": "m@evil.test", "password": PASSWORD})
    assert r.status_code == 404
    assert web_school.app.find(User.create_id("m@evil.test"), User) is None
    used = web_school.app.recorder.select_notifications(
        start=None, limit=10, topics=[SetupLink.Used.TOPIC]
    )
    assert len(used) == 1


def test_a_set_up_link_expires_and_a_forged_one_opens_nothing(
    web_school: Safeshare, browser: Browser, clock: FakeClock
) -> None:
    path = _path(web_school, hours=2)
    clock.advance(minutes=119)
    assert browser.get(path).status_code == 200
    clock.advance(minutes=2)
    assert browser.get(path).status_code == 404
    fresh = _path(web_school)
    forged = fresh[:-4] + ("AAAA" if not fresh.endswith("AAAA") else "BBBB")
    assert browser.get(forged).status_code == 404
    assert browser.get("/setup/not-a-link").status_code == 404
    assert "Page not found" in text_of(browser.get(forged).text)
