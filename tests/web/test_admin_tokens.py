"""The administrator makes an API token for the school's MIS account: shown once on the page
that made it, never again; listed with its uses; revoked, it stops working at once."""

from __future__ import annotations

import re

from fastapi import FastAPI

from domain.user import User
from safeshare.services.school import Safeshare
from tests.web.api_support import ApiClient
from tests.web.conftest import People
from tests.web.support import Browser


def test_an_admin_makes_a_token_shown_once_and_revokes_it(
    app: FastAPI, web_school: Safeshare, people: People
) -> None:
    admin = Browser(app, web_school)
    admin.sign_in(people.admin)
    admin.get("/admin/tokens")
    made = admin.post(
        "/admin/tokens",
        {"account": str(User.create_id(people.dsl.email)), "label": "Arbor nightly roll"},
    )
    assert made.status_code == 200
    found = re.search(r'id="token"[^>]*>(sst_[^<]+)<', made.text)
    assert found, made.text[:500]
    token = found.group(1)
    assert ApiClient(app, token).get("/worklist").status_code == 200

    listing = admin.get("/admin/tokens")
    assert token not in listing.text  # shown once
    assert "Arbor nightly roll" in listing.text
    revoke = re.search(r'action="(/admin/tokens/[^/]+/revoke)"', listing.text)
    assert revoke
    done = admin.post(revoke.group(1), {})
    assert done.status_code == 303
    assert ApiClient(app, token).get("/worklist").status_code == 401
    assert "Revoked" in admin.get("/admin/tokens").text


def test_a_token_needs_an_account(app: FastAPI, web_school: Safeshare, people: People) -> None:
    admin = Browser(app, web_school)
    admin.sign_in(people.admin)
    admin.get("/admin/tokens")
    r = admin.post("/admin/tokens", {"account": "", "label": "x"})
    assert r.status_code == 400
    assert "Choose the account the token acts as" in r.text
