"""A DSL sets up a passkey at first sign-in and signs in with it next time, in headless
Chromium with a virtual authenticator (over the DevTools protocol); the authenticator app's
code stays on offer for a browser without passkeys."""

from __future__ import annotations

from playwright.sync_api import Browser

from domain.user import User
from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.live_server import serving
from tests.web.support import PASSWORD

pytestmark = BROWSER_JOURNEY


def test_a_dsl_sets_up_a_passkey_and_signs_in_with_it(
    chromium: Browser, web_school: Safeshare
) -> None:
    web_school.accounts.add("Mr Deputy", "deputy@school.test", "dsl", PASSWORD, "test")
    with serving(create_app(web_school)) as base:
        # WebAuthn refuses an IP address as relying party: the school is at localhost here.
        web_school.ctx.settings.web_base_url = base
        context = chromium.new_context()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )

        def password_step() -> None:
            page.goto(f"{base}/login")
            page.get_by_label("Email address").fill("deputy@school.test")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()

        password_step()
        page.wait_for_url(f"{base}/account/second-factor")
        page.get_by_role("button", name="Set up a passkey or security key instead").click()
        page.wait_for_url(f"{base}/account/recovery-codes")
        assert page.locator("#recovery-codes li").count() == 10
        user = web_school.app.get(User.create_id("deputy@school.test"), User)
        assert len(user.passkeys) == 1 and user.totp_secret is None

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/login")
        password_step()
        page.wait_for_url(f"{base}/login/second-factor")
        assert page.get_by_label("Security code").is_visible()  # the fallback stays
        page.get_by_role("button", name="Use your passkey or security key").click()
        page.wait_for_url(f"{base}/worklist")
        assert page.get_by_role("heading", name="Worklist").is_visible()
        kinds = [type(e).__name__ for e in web_school.app.events.get(user.id)]
        assert kinds.count("PasskeyUsed") == 1 and kinds.count("SignedIn") == 2
