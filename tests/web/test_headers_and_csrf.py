"""Security headers on every response; the session cookie's flags; no CSRF token, 403."""

from __future__ import annotations

import pytest

from domain.concern import Concern
from safeshare.services.school import Safeshare
from tests.web.conftest import People
from tests.web.support import Browser, raise_concern


def assert_secure_headers(headers: dict[str, str] | object) -> None:
    h = headers
    csp = h["content-security-policy"]  # type: ignore[index]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert h["strict-transport-security"].startswith("max-age=")  # type: ignore[index]
    assert h["referrer-policy"] == "no-referrer"  # type: ignore[index]
    assert h["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert h["cache-control"] == "no-store"  # type: ignore[index]


@pytest.mark.parametrize(
    "path", ["/login", "/", "/concerns/new", "/concerns/mine", "/no-such-page", "/worklist"]
)
def test_every_page_carries_the_security_headers(
    browser: Browser, people: People, path: str
) -> None:
    browser.sign_in(people.staff)
    assert_secure_headers(browser.get(path).headers)


def test_a_case_page_is_never_stored_and_carries_the_headers(
    browser: Browser, people: People, child_id: str
) -> None:
    browser.sign_in(people.staff)
    concern_id = raise_concern(browser, child_id)
    r = browser.get(f"/concerns/{concern_id}")
    assert r.status_code == 200
    assert_secure_headers(r.headers)


def test_the_session_cookie_is_secure_httponly_and_strict(browser: Browser) -> None:
    cookie = browser.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert "path=/" in cookie


def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(
    browser: Browser, people: People, child_id: str, web_school: Safeshare
) -> None:
    browser.sign_in(people.staff)
    browser.get(f"/concerns/new/{child_id}")
    form = {
        "category": "neglect",
        "facts": "No coat.",
        "observed-day": "1",
        "observed-month": "1",
        "observed-year": "2020",
    }
    r = browser.post(f"/concerns/new/{child_id}", form, csrf=False)
    assert r.status_code == 403
    assert "The form had expired or did not come from safeshare" in r.text
    r = browser.post(f"/concerns/new/{child_id}", {**form, "csrf_token": "forged"}, csrf=False)
    assert r.status_code == 403
    assert not web_school.app.recorder.select_notifications(
        start=None, limit=10, topics=[Concern.Raised.TOPIC]
    )


def test_signing_in_needs_the_csrf_token_too(browser: Browser, people: People) -> None:
    browser.get("/login")
    r = browser.post("/login", {"email": people.staff.email, "password": "x"}, csrf=False)
    assert r.status_code == 403


def test_the_passkey_scripts_json_posts_need_the_csrf_header(
    browser: Browser, people: People
) -> None:
    browser.get("/login")
    r = browser.client.post("/login/passkey", json={"credential": {}})
    assert r.status_code == 403
    r = browser.client.post(
        "/login/passkey", json={"credential": {}}, headers={"X-CSRF-Token": browser.csrf()}
    )
    assert r.status_code == 403 and r.json() == {"error": "sign in first"}
