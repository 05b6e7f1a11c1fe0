"""Every API route for every role, and for no token, an expired token and a revoked one
(issue 14: "Permissions across roles for every API route (a table-driven test)")."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from domain.user import User
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.api_support import ApiClient, raise_via_api, token_for
from tests.web.conftest import People

CALLERS = ("anonymous", "staff", "other_staff", "dsl", "auditor", "admin", "expired", "revoked")
NO = (401,)
_ = None  # the body is {}: a role that passes the checks meets a 422 naming a field

# (method, path, expected status for each caller in CALLERS order, without the last two:
# an expired or revoked token is always 401, as no token is).
ROUTES: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/me", (401, 200, 200, 200, 200, 200)),
    ("POST", "/concerns", (401, 422, 422, 422, 403, 403)),
    ("GET", "/concerns/{case}", (401, 200, 404, 200, 200, 404)),
    ("GET", "/concerns/{missing}", (401, 404, 404, 404, 404, 404)),
    ("POST", "/concerns/{case}/consent", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/lawful-basis", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/advice", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/restriction", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/decision", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/family-informed", (401, 403, 403, 422, 403, 403)),
    ("POST", "/concerns/{case}/actions", (401, 403, 403, 422, 403, 403)),
    ("GET", "/children/{child}", (401, 403, 403, 200, 200, 403)),
    ("GET", "/children/{missing}", (401, 403, 403, 404, 404, 403)),
    ("GET", "/children/{child}/chronology", (401, 403, 403, 200, 200, 403)),
    ("PUT", "/roll", (401, 403, 403, 403, 403, 200)),
    ("GET", "/referrals", (401, 403, 403, 200, 200, 403)),
    ("GET", "/referrals/{missing}", (401, 403, 403, 404, 404, 403)),
    ("GET", "/actions", (401, 200, 200, 200, 403, 403)),
    ("POST", "/actions/{missing}/done", (401, 422, 422, 422, 403, 403)),
    ("GET", "/worklist", (401, 403, 403, 200, 403, 403)),
    ("GET", "/audit/trail", (401, 403, 403, 403, 200, 403)),
    ("GET", "/audit/replay/{case}?as_of={now}", (401, 403, 403, 403, 200, 403)),
    ("GET", "/reports/timeliness?from={today}&to={today}", (401, 403, 403, 200, 200, 403)),
]


def caller_token(role: str, school: Safeshare, people: People, clock: FakeClock) -> str | None:
    if role == "anonymous":
        return None
    if role in ("expired", "revoked"):
        tokens = ApiTokenService(school.ctx, school.accounts)
        issued = tokens.issue(User.create_id(people.dsl.email), role, "test set-up", days=1)
        if role == "revoked":
            tokens.revoke(issued.token_id, "test set-up")
        return issued.token
    return token_for(school, getattr(people, role))


def call(client: ApiClient, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    if method == "PUT":
        return client.put_csv(path, "UPN,Legal Surname,Legal Forename,DOB\n")
    return client.post(path, {})


@pytest.mark.parametrize("index,role", list(enumerate(CALLERS)))
def test_every_api_route_answers_each_caller_as_the_table_says(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    clock: FakeClock,
    index: int,
    role: str,
) -> None:
    staff = ApiClient(app, token_for(web_school, people.staff))
    case = raise_via_api(staff, web_school, child_id)
    client = ApiClient(app, caller_token(role, web_school, people, clock))
    if role == "expired":
        clock.advance(days=2)
    missing = str(uuid.uuid4())
    wrong = []
    for method, template, expected in ROUTES:
        path = template.format(
            case=case,
            child=child_id,
            missing=missing,
            now=clock().isoformat().replace("+", "%2B"),
            today=clock().date().isoformat(),
        )
        r = call(client, method, path)
        want = expected[index] if index < len(expected) else 401
        if r.status_code != want:
            wrong.append(f"{method} {template}: {r.status_code}, expected {want}: {r.text[:200]}")
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json"), template
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_route_the_api_publishes(app: FastAPI) -> None:
    spec = ApiClient(app, None).client.get("/api/v1/openapi.json").json()
    published = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    tabled = {
        (m, t.split("?")[0].replace("{case}", "{concern_id}").replace("{missing}", "{x}"))
        for m, t, _ in ROUTES
    }

    def shape(path: str) -> str:
        return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))

    assert {(m, shape(p)) for m, p in published} == {(m, shape(p)) for m, p in tabled}
