"""Every list the API answers is paged by an opaque cursor: a school's system walks the
worklist, its actions, the referrals and the audit trail a page at a time, sees each item
once, and a cursor that this list did not give is refused naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from domain.user import User
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.api_support import ApiClient, raise_via_api, token_for
from tests.web.audit_support import make_shared_case
from tests.web.conftest import People


def walk(client: ApiClient, path: str, limit: int, **params: Any) -> list[list[Any]]:
    """Every page of a list, following next_cursor until it is null."""
    pages: list[list[Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, **query)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


@pytest.fixture
def three_concerns(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> list[str]:
    staff = ApiClient(app, token_for(web_school, people.staff))
    raised = []
    for _ in range(3):
        raised.append(raise_via_api(staff, web_school, child_id))
        clock.advance(minutes=1)
    return raised


def test_the_dsl_walks_the_worklist_two_at_a_time_and_sees_each_concern_once(
    app: FastAPI, web_school: Safeshare, people: People, three_concerns: list[str]
) -> None:
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    pages = walk(dsl, "/worklist", limit=2)
    assert [len(p) for p in pages] == [2, 1]
    seen = [row["concern_id"] for page in pages for row in page]
    assert sorted(seen) == sorted(three_concerns)
    whole = dsl.get("/worklist").json()
    assert [row["concern_id"] for row in whole["items"]] == seen
    assert whole["next_cursor"] is None


def test_a_member_of_staff_pages_through_their_actions(
    app: FastAPI, web_school: Safeshare, people: People, three_concerns: list[str], clock: FakeClock
) -> None:
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    green = str(User.create_id(people.staff.email))
    due = clock().date().isoformat()
    for concern_id in three_concerns:
        r = dsl.post(
            f"/concerns/{concern_id}/actions",
            {"assignee_id": green, "what": "Check in with Ben at lunch", "due": due},
        )
        assert r.status_code == 201, r.text
    staff = ApiClient(app, token_for(web_school, people.staff))
    pages = walk(staff, "/actions", limit=1)
    assert [len(p) for p in pages] == [1, 1, 1]
    assert sorted(p[0]["concern_id"] for p in pages) == sorted(three_concerns)


def test_the_auditor_walks_the_trail_and_each_entry_comes_once_in_order(
    app: FastAPI, web_school: Safeshare, people: People, three_concerns: list[str]
) -> None:
    auditor = ApiClient(app, token_for(web_school, people.auditor))
    # filtered on the member of staff: the auditor's own looks, recorded as they page, stay out
    pages = walk(auditor, "/audit/trail", limit=2, actor="green@school.test")
    positions = [row["position"] for page in pages for row in page]
    assert len(pages) >= 2 and all(len(p) == 2 for p in pages[:-1])
    assert positions == sorted(set(positions))
    whole = auditor.get("/audit/trail", actor="green@school.test").json()
    assert [row["position"] for row in whole["items"]] == positions


def test_the_dsl_pages_through_the_referrals_one_at_a_time(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> None:
    cases = [make_shared_case(app, web_school, people, child_id, clock) for _ in range(2)]
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    pages = walk(dsl, "/referrals", limit=1)
    assert [len(p) for p in pages] == [1, 1]
    assert sorted(p[0]["referral_id"] for p in pages) == sorted(
        r for case in cases for r in case.referral_ids
    )


@pytest.mark.parametrize(
    "path,query,field",
    [
        ("/worklist", {"cursor": "not-a-cursor"}, "cursor"),
        ("/worklist", {"cursor": "%%%"}, "cursor"),
        ("/actions", {"cursor": "YWJj"}, "cursor"),
        ("/referrals", {"cursor": "x" * 201}, "cursor"),
        ("/worklist", {"limit": 0}, "limit"),
        ("/worklist", {"limit": 501}, "limit"),
        ("/referrals", {"limit": "ten"}, "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_refused_naming_the_field(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    path: str,
    query: dict[str, Any],
    field: str,
) -> None:
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    r = dsl.get(path, **query)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field


def test_a_cursor_from_one_list_is_refused_by_another(
    app: FastAPI, web_school: Safeshare, people: People, three_concerns: list[str]
) -> None:
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    cursor = dsl.get("/worklist", limit=1).json()["next_cursor"]
    assert cursor and "worklist" not in cursor  # opaque
    r = dsl.get("/referrals", cursor=cursor)
    assert r.status_code == 422
    assert r.json()["field"] == "cursor"
    auditor = ApiClient(app, token_for(web_school, people.auditor))
    r = auditor.get("/audit/trail", cursor=cursor)
    assert r.status_code == 422
    assert r.json()["field"] == "cursor"


@pytest.mark.parametrize("query", [{"limit": 0}, {"cursor": "not-a-cursor"}])
def test_without_a_token_or_the_role_the_paging_parameters_are_not_looked_at(
    app: FastAPI, web_school: Safeshare, people: People, query: dict[str, Any]
) -> None:
    assert ApiClient(app, None).get("/worklist", **query).status_code == 401
    staff = ApiClient(app, token_for(web_school, people.staff))
    assert staff.get("/worklist", **query).status_code == 403
