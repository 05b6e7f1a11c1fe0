"""The referral page and the advice form in Chromium: axe finds no serious or critical
violation (desktop and a 360 px phone), and the telephone referral is recorded by a DSL."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from playwright.sync_api import Browser

from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.conftest import People
from tests.web.live_server import serving
from tests.web.support import SCHOOL_TIME
from tests.web.test_auditor_journey import sign_in_with_totp
from tests.web.test_browser_journey import Journey
from tests.web.test_referral_page import shared_with

pytestmark = BROWSER_JOURNEY


def test_the_dsl_previews_the_police_packet_records_the_call_and_seeks_advice_in_chromium(
    chromium: Browser,
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    clock: FakeClock,
) -> None:
    concern_id, _ = shared_with(app, web_school, people, child_id, "police")
    with serving(create_app(web_school)) as base:
        journey = Journey(chromium, base)
        journey.step = 40
        dsl = journey.person()
        sign_in_with_totp(dsl, base, people.dsl.email, people.dsl.totp_secret, web_school)
        dsl.goto(f"{base}/concerns/{concern_id}")
        dsl.get_by_role("link", name="Preview the packet for police").click()
        assert dsl.locator("#packet-fields").is_visible()
        journey.look(dsl, "dsl-referral-packet-preview")
        at = (clock() - timedelta(minutes=15)).astimezone(SCHOOL_TIME)
        dsl.get_by_label("Who took the call?").fill("PC Shah")
        dsl.get_by_label("Day").fill(str(at.day))
        dsl.get_by_label("Month").fill(str(at.month))
        dsl.get_by_label("Year").fill(str(at.year))
        dsl.get_by_label("Time").fill(f"{at:%H:%M}")
        dsl.get_by_label("Their reference").fill("CAD-4411")
        dsl.get_by_role("button", name="Record the telephone referral").click()
        assert "CAD-4411" in dsl.locator("#phone-call").inner_text()
        journey.look(dsl, "dsl-referral-phoned")
        dsl.goto(f"{base}/concerns/{concern_id}/advice")
        dsl.get_by_role("button", name="Save and return to the case").click()
        assert dsl.title().startswith("Error:")
        journey.look(dsl, "dsl-advice-errors")
    assert not journey.serious(), "\n".join(journey.findings)
