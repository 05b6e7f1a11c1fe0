"""The JSON API as a school's system calls it: a token per account, the Bearer header."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from domain.user import User
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.school import Safeshare
from tests.web.support import SCHOOL_TIME, Person

API = "/api/v1"


def token_for(school: Safeshare, person: Person, days: float | None = None) -> str:
    tokens = ApiTokenService(school.ctx, school.accounts)
    return tokens.issue(User.create_id(person.email), "tests", "test set-up", days).token


class ApiClient:
    """One system's calls with one token (or none)."""

    def __init__(self, app: FastAPI, token: str | None) -> None:
        self.client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> httpx.Response:
        r: httpx.Response = (
            self.client.get(API + path, headers=self.headers, params=params)
            if params
            else self.client.get(API + path, headers=self.headers)
        )
        return r

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        r: httpx.Response = self.client.post(API + path, headers=self.headers, json=body)
        return r

    def put_csv(self, path: str, text: str) -> httpx.Response:
        r: httpx.Response = self.client.put(
            API + path, headers={**self.headers, "Content-Type": "text/csv"}, content=text
        )
        return r


def observed(school: Safeshare, hours_ago: float = 2) -> str:
    return (school.ctx.clock() - timedelta(hours=hours_ago)).astimezone(SCHOOL_TIME).isoformat()


def raise_via_api(client: ApiClient, school: Safeshare, child_id: str, **extra: Any) -> str:
    r = client.post(
        "/concerns",
        {
            "child_id": child_id,
            "category": "physical-abuse",
            "facts": "Bruise on the left forearm; said his stepfather grabbed him.",
            "observed_at": observed(school),
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
