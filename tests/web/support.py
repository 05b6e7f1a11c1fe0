"""A person at a browser, for page tests: signs in, follows links, fills in forms (with the
page's CSRF token, as a browser would)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient

from safeshare.services.school import Safeshare

PASSWORD = "correct horse battery staple"
SCHOOL_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str
    totp_secret: str | None = None


class Browser:
    """One person's browser: its own cookie jar over the same app."""

    def __init__(self, app: FastAPI, school: Safeshare) -> None:
        self.client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        self.school = school
        self.page: httpx.Response | None = None

    def get(self, url: str) -> httpx.Response:
        self.page = self.client.get(url)
        return self.page

    def csrf(self) -> str:
        if self.page is None or 'name="csrf_token"' not in self.page.text:
            r = self.get("/login")
            for _ in range(3):
                if r.status_code != 303:
                    break
                r = self.get(r.headers["location"])
        assert self.page is not None
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.page.text)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any], csrf: bool = True) -> httpx.Response:
        form = dict(data)
        if csrf:
            form["csrf_token"] = self.csrf()
        response: httpx.Response = self.client.post(url, data=form)
        self.page = response
        return response

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, problems(response.text)
        return self.get(response.headers["location"])

    def sign_in(self, person: Person, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        r = self.post("/login", {"email": person.email, "password": password})
        if r.status_code == 303 and r.headers["location"] == "/login/second-factor":
            assert person.totp_secret
            self.get("/login/second-factor")
            code = pyotp.TOTP(person.totp_secret).at(self.school.ctx.clock())
            r = self.post("/login/second-factor", {"code": code})
        return r


def add_person(school: Safeshare, name: str, email: str, role: str) -> Person:
    """An account; DSLs, auditors and admins enrolled in TOTP as they would at first sign-in."""
    user_id = school.accounts.add(name, email, role, PASSWORD, "test set-up")
    account = school.accounts.get(user_id)
    assert account is not None
    if not account.needs_second_factor:
        return Person(name, email, role)
    offer = school.accounts.offer_enrolment(account)
    school.accounts.confirm_enrolment(
        user_id, offer.secret, pyotp.TOTP(offer.secret).at(school.ctx.clock())
    )
    return Person(name, email, role, offer.secret)


def observed_fields(now: datetime, hours_ago: float = 2) -> dict[str, str]:
    """The date and time fields of the raise form, some hours before `now`, in school time."""
    at = (now - timedelta(hours=hours_ago)).astimezone(SCHOOL_TIME)
    return {
        "observed-day": str(at.day),
        "observed-month": str(at.month),
        "observed-year": str(at.year),
        "observed-time": f"{at:%H:%M}",
    }


def text_of(html: str) -> str:
    """The words on the page, tags stripped and whitespace collapsed (entities kept)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def raise_concern(browser: Browser, child_id: str, **fields: str) -> str:
    """Raise a concern through the form as a member of staff would; returns its id."""
    assert browser.school.ctx.clock is not None
    browser.get(f"/concerns/new/{child_id}")
    form = {
        "category": "physical-abuse",
        "facts": "Bruise on the left forearm; said his stepfather grabbed him.",
        **observed_fields(browser.school.ctx.clock()),
        **fields,
    }
    r = browser.post(f"/concerns/new/{child_id}", form)
    assert r.status_code == 303, text_of(r.text)[:1500]
    return str(r.headers["location"]).rsplit("/", 1)[-1]


def problems(html: str) -> str:
    """The error summary's messages, for a failing test's report."""
    return " | ".join(re.findall(r'<a href="#[^"]*">([^<]*)</a>', html)) or text_of(html)[:800]
