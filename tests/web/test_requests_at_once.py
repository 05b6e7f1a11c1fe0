"""One web worker answers many requests at once: a request held up in a slow service call (a
busy database, argon2, sealing) does not hold up the others, and concurrent commands on one
school are all recorded. Served by uvicorn on loopback, as in production."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from domain.user import User
from safeshare.entrypoints.web.app import create_app
from safeshare.entrypoints.web.pages import Web
from safeshare.entrypoints.web.sessions import COOKIE
from safeshare.services.school import Safeshare
from tests.support import FakeClock, born, drop_pg_schemas, school_settings
from tests.web.api_support import API, observed, token_for
from tests.web.conftest import People, opened_school
from tests.web.live_server import serving
from tests.web.support import Browser, add_person

PATIENCE = 5.0
"""Seconds a request that should not wait for another is given to be answered."""


@contextmanager
def held(
    monkeypatch: pytest.MonkeyPatch, owner: object, method: str
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """`owner.method` made to stop, once called, until released: (entered, release). Released
    when the block ends, however it ends."""
    entered, release = threading.Event(), threading.Event()
    original: Callable[..., Any] = getattr(owner, method)

    def waiting(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, method, waiting)
    try:
        yield entered, release
    finally:
        release.set()


def answered(url: str, headers: dict[str, str] | None = None) -> int | None:
    """The status of a GET, or None if it was not answered within PATIENCE."""
    try:
        return httpx.get(url, headers=headers or {}, timeout=PATIENCE).status_code
    except httpx.TimeoutException:
        return None


def raise_body(school: Safeshare, child_id: str, facts: str) -> dict[str, Any]:
    return {
        "child_id": child_id,
        "category": "physical-abuse",
        "facts": facts,
        "observed_at": observed(school),
    }


def test_while_a_concern_raised_through_the_api_is_being_saved_other_calls_are_answered(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = {"Authorization": f"Bearer {token_for(web_school, people.staff)}"}
    body = raise_body(web_school, child_id, "Bruise on the left forearm.")
    with (
        serving(app) as base,
        ThreadPoolExecutor(1) as pool,
        held(monkeypatch, web_school.concerns, "raise_with_details") as (entered, release),
    ):
        raising = pool.submit(
            httpx.post, base + API + "/concerns", headers=staff, json=body, timeout=60
        )
        assert entered.wait(timeout=10), "the raise never reached the service"

        assert answered(base + API + "/me", staff) == 200
        assert answered(base + "/login") == 200

        release.set()
        assert raising.result().status_code == 201


def test_a_retry_sent_while_the_first_call_is_still_being_answered_records_once(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The MIS gave up waiting and sent the call again, with the same Idempotency-Key."""
    headers = {
        "Authorization": f"Bearer {token_for(web_school, people.staff)}",
        "Idempotency-Key": "mis-run-7",
    }
    body = raise_body(web_school, child_id, "Bruise on the left forearm.")
    url = API + "/concerns"
    with (
        serving(app) as base,
        ThreadPoolExecutor(2) as pool,
        held(monkeypatch, web_school.concerns, "raise_with_details") as (entered, release),
    ):
        first = pool.submit(httpx.post, base + url, headers=headers, json=body, timeout=60)
        assert entered.wait(timeout=10), "the first call never reached the service"
        retry = pool.submit(httpx.post, base + url, headers=headers, json=body, timeout=60)
        time.sleep(1)  # the retry arrives while the first call is held

        release.set()
        answers = [first.result(), retry.result()]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert answers[1].headers.get("idempotent-replayed") == "true"
    account = web_school.accounts.get(User.create_id(people.staff.email))
    assert account is not None
    web = app.state.web
    assert isinstance(web, Web)
    assert len(web.cases.raised_by(account)) == 1


def test_while_one_persons_page_is_being_read_another_person_signs_in(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    green = Browser(app, web_school)
    green.sign_in(people.staff)
    cookie = {"Cookie": f"{COOKIE}={green.client.cookies.get(COOKIE)}"}
    web = app.state.web
    assert isinstance(web, Web)
    with (
        serving(app) as base,
        ThreadPoolExecutor(1) as pool,
        held(monkeypatch, web.cases, "raised_by") as (entered, release),
    ):
        mine = pool.submit(httpx.get, base + "/concerns/mine", headers=cookie, timeout=60)
        assert entered.wait(timeout=10), "the page never reached the service"

        assert answered(base + "/login") == 200

        release.set()
        assert mine.result().status_code == 200


@pytest.fixture
def busy_school(
    identity_template: Path, tmp_path: Path, backend: str, clock: FakeClock
) -> Iterator[Safeshare]:
    """A school on SQLite and on PostgreSQL, its accounts hashed with fast argon2."""
    settings = school_settings(tmp_path / "var", backend).model_copy(
        update={"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}
    )
    try:
        with opened_school(identity_template, settings, clock) as school:
            yield school
    finally:
        if backend == "postgres":
            drop_pg_schemas(settings.school)


AT_ONCE = 4
"""Raises held until this many are inside the service together (proof they ran at once)."""
RAISES = 24


def test_concerns_raised_at_once_through_the_api_are_all_recorded(
    busy_school: Safeshare, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = busy_school
    person = add_person(school, "Ms Green", "green@school.test", "staff")
    child_id = str(school.children.register("Ben Walsh", born(clock, 12), by="Office"))
    staff = {"Authorization": f"Bearer {token_for(school, person)}"}
    app = create_app(school)
    together = threading.Barrier(AT_ONCE, timeout=PATIENCE)
    raise_with_details = school.concerns.raise_with_details

    def raised_together(*args: Any, **kwargs: Any) -> Any:
        together.wait()
        return raise_with_details(*args, **kwargs)

    monkeypatch.setattr(school.concerns, "raise_with_details", raised_together)

    with serving(app) as base, ThreadPoolExecutor(RAISES) as pool:
        calls = [
            pool.submit(
                httpx.post,
                base + API + "/concerns",
                headers=staff,
                json=raise_body(school, child_id, f"Seen by the gate, note {n}."),
                timeout=60,
            )
            for n in range(RAISES)
        ]
        responses = [c.result() for c in calls]

    assert [r.status_code for r in responses] == [201] * RAISES, [r.text for r in responses]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == RAISES
    web = app.state.web
    assert isinstance(web, Web)
    account = school.accounts.get(User.create_id(person.email))
    assert account is not None
    assert {row.concern_id for row in web.cases.raised_by(account)} == ids
