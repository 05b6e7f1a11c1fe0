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
from tests.web.test_auditor_journey import png_width, sign_in_with_totp
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
    wide = [p.name for p in journey.shots if p.name.endswith("-phone.png") and png_width(p) > 360]
    assert not wide, f"wider than a 360 px phone: {wide}"


def test_the_first_administrator_uses_the_set_up_link_in_chromium(
    chromium: Browser, web_school: Safeshare, people: People
) -> None:
    """The link `make run` prints: the administrator chooses a password, enrols the
    authenticator, and reaches the accounts page (deputy and disable buttons), disables an
    account and enables it again; axe on each."""
    import pyotp

    from safeshare.services.setup_links import SetupLinks

    with serving(create_app(web_school)) as base:
        web_school.ctx.settings.web_base_url = base
        link = SetupLinks(web_school.ctx, web_school.accounts).issue("root (command line)")
        journey = Journey(chromium, base)
        journey.step = 50
        admin = journey.person()
        admin.goto(link.url)
        journey.look(admin, "admin-setup-link")
        admin.get_by_label("Your name").fill("Ms Head")
        admin.get_by_label("Email address").fill("head@school.test")
        admin.get_by_label("Password").fill("a long enough password")
        admin.get_by_role("button", name="Create the administrator account").click()
        admin.wait_for_url(f"{base}/account/second-factor")
        secret = admin.locator("#totp-secret").inner_text().strip()
        admin.get_by_label("Security code").fill(pyotp.TOTP(secret).at(web_school.ctx.clock()))
        admin.get_by_role("button", name="Continue").click()
        admin.wait_for_url(f"{base}/account/recovery-codes")
        admin.goto(f"{base}/admin/users")
        assert "Make deputy" in admin.locator("#accounts").inner_text()
        journey.look(admin, "admin-accounts-deputy-disable")
        admin.get_by_role("link", name="Disable Mr Brown's account").click()
        journey.look(admin, "admin-disable-confirm")
        admin.get_by_role("button", name="Disable the account").click()
        assert "Mr Brown's account is disabled." in admin.content().replace("&#39;", "'")
        admin.get_by_role("link", name="Enable Mr Brown's account again").click()
        journey.look(admin, "admin-enable-confirm")
        admin.get_by_role("button", name="Enable the account").click()
        assert "Mr Brown's account is enabled" in admin.content().replace("&#39;", "'")
        journey.look(admin, "admin-accounts-enabled-again")
        admin.goto(link.url)
        assert admin.title().startswith("Page not found")  # the link is spent
    assert not journey.serious(), "\n".join(journey.findings)
    wide = [p.name for p in journey.shots if p.name.endswith("-phone.png") and png_width(p) > 360]
    assert not wide, f"wider than a 360 px phone: {wide}"
