"""Web fixtures: a school with fast argon2 parameters, its accounts, a child, the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import sync_playwright

from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.agency_fixtures import agency_pki, smtp_agency, tls_settings
from tests.support import FakeClock, born, copy_identity
from tests.web.browsers import ARGS, CHROMIUM
from tests.web.support import Browser, Person, add_person

__all__ = ["agency_pki", "smtp_agency", "tls_settings"]


def fast_settings(data: Path, **overrides: object) -> Settings:
    return Settings(
        data=data,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
        **overrides,  # type: ignore[arg-type]
    )


@dataclass
class People:
    staff: Person
    other_staff: Person
    dsl: Person
    auditor: Person
    admin: Person


@contextmanager
def opened_school(
    identity_template: Path, settings: Settings, clock: FakeClock
) -> Iterator[Safeshare]:
    """A school set up on `settings` with the demo agencies, closed afterwards."""
    copy_identity(identity_template, settings.data)
    initialise(settings, clock)
    school = build(settings, clock=clock)
    install_demo_agencies(school)
    try:
        yield school
    finally:
        school.close()


@pytest.fixture
def web_school(identity_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[Safeshare]:
    with opened_school(identity_template, fast_settings(tmp_path / "var"), clock) as school:
        yield school


@pytest.fixture
def people(web_school: Safeshare) -> People:
    return People(
        staff=add_person(web_school, "Ms Green", "green@school.test", "staff"),
        other_staff=add_person(web_school, "Mr Brown", "brown@school.test", "staff"),
        dsl=add_person(web_school, "Mrs Dee", "dee@school.test", "dsl"),
        auditor=add_person(web_school, "Ms Audit", "audit@school.test", "auditor"),
        admin=add_person(web_school, "Mr Admin", "admin@school.test", "admin"),
    )


@pytest.fixture
def app(web_school: Safeshare) -> FastAPI:
    return create_app(web_school)


BEN_UPN = "A123456789012"


@pytest.fixture
def child_id(web_school: Safeshare, clock: FakeClock) -> str:
    """Ben Walsh, twelve, on the roll."""
    return str(web_school.children.register("Ben Walsh", born(clock, 12), by="Office", upn=BEN_UPN))


@pytest.fixture
def browser(app: FastAPI, web_school: Safeshare) -> Browser:
    return Browser(app, web_school)


def new_browser(app: FastAPI, school: Safeshare) -> Browser:
    return Browser(app, school)


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    """Debian's headless Chromium (never a browser Playwright downloads), started without
    LD_PRELOAD: under libfaketime the test process's clock is shifted, the browser's is not."""
    env: dict[str, str | float | bool] = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True, env=env
        )
        try:
            yield browser
        finally:
            browser.close()
