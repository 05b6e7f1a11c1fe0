"""The staff journey by keyboard alone: every field, radio, checkbox, link and button reached
with Tab (radios chosen with the arrow keys, boxes ticked with Space), nothing clicked."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page

from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.conftest import People
from tests.web.live_server import serving
from tests.web.support import PASSWORD, SCHOOL_TIME

MAX_TABS = 150
pytestmark = BROWSER_JOURNEY


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def choose(page: Page, name: str, value: str) -> None:
    """Tab into a radio group, then arrow down to the choice (arrows select radios)."""
    tab_to(page, f'input[type=radio][name="{name}"]')
    for _ in range(40):
        if page.evaluate(
            "([n, v]) => document.querySelector(`input[name='${n}'][value='${v}']`).checked",
            [name, value],
        ):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{name}={value} cannot be chosen with the arrow keys")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_a_member_of_staff_raises_an_urgent_concern_by_keyboard_alone(
    chromium: Browser, web_school: Safeshare, people: People, child_id: str
) -> None:
    with serving(create_app(web_school)) as base:
        page = chromium.new_page()
        page.goto(f"{base}/login")
        type_into(page, "#email", people.staff.email)
        type_into(page, "#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/concerns/new")
        type_into(page, "#name-or-upn", "walsh")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/concerns/new/search")
        tab_to(page, f'a[href="/concerns/new/{child_id}"]')
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/concerns/new/{child_id}")

        choose(page, "category", "physical-abuse")
        type_into(page, "#facts", "Bruise on the left forearm.")
        seen = (web_school.ctx.clock() - timedelta(hours=1)).astimezone(SCHOOL_TIME)
        type_into(page, "#observed-day", str(seen.day))
        type_into(page, "#observed-month", str(seen.month))
        type_into(page, "#observed-year", str(seen.year))
        tab_to(page, "#immediate-risk")
        page.keyboard.press("Space")
        choose(page, "body-region", "front-left-arm")
        type_into(page, "#body-note", "Bruise about 3 cm")
        tab_to(page, "button.govuk-button:not(.govuk-button--secondary)")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/concerns/*")
        assert page.get_by_text("Concern raised.").is_visible()
        assert page.locator("h1").inner_text().strip().endswith("Urgent")
        assert "Front: Left arm – Bruise about 3 cm" in page.locator("#body-marks").inner_text()
