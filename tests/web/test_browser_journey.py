"""The journey in a real browser (headless Chromium, Debian's own: Playwright never downloads
one): a member of staff signs in, finds the child and raises an urgent concern with a
body-map mark; the DSLs get an alert mail with nothing personal in it; the DSL signs in
with TOTP, acknowledges the alert, records consent refused and a lawful basis, and
shares with the MASH and the police. axe finds no serious or critical violation on any page
of the journey; each page is kept as a screenshot, desktop and 360 px wide."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.entrypoints.web.app import create_app
from safeshare.services.dsl_alerts import AlertService
from safeshare.services.school import Safeshare
from sharing.channels import SmtpChannel, TlsSettings
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.conftest import People
from tests.web.live_server import serving
from tests.web.support import PASSWORD, SCHOOL_TIME

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SERIOUS = {"serious", "critical"}

pytestmark = BROWSER_JOURNEY


class Journey:
    """Checks and keeps each page as the person sees it."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self.axe = Axe()
        self.findings: list[str] = []
        self.console: list[str] = []
        """What the browser said: a CSP refusal or a script error would show here."""
        self.shots: list[Path] = []
        self.step = 0

    def person(self) -> Page:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        return page

    def look(self, page: Page, name: str) -> None:
        """axe on the page, then a screenshot at desktop width and at 360 px."""
        self.step += 1
        results: dict[str, Any] = self.axe.run(page).response
        for v in results["violations"]:
            impact = v.get("impact") or "unknown"
            where = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            self.findings.append(f"{name}: {impact} {v['id']} ({v['help']}) at {where}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width, suffix in ((1280, "desktop"), (360, "phone")):
            page.set_viewport_size({"width": width, "height": 900})
            path = SHOTS / f"{self.step:02d}-{name}-{suffix}.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
        page.set_viewport_size({"width": 1280, "height": 900})

    def serious(self) -> list[str]:
        return [f for f in self.findings if f.split(": ", 1)[1].split(" ", 1)[0] in SERIOUS]


def test_staff_raise_an_urgent_concern_and_the_dsl_shares_it_signed_in_with_totp(
    chromium: Browser,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
) -> None:
    school = web_school
    with serving(create_app(school)) as base:
        journey = Journey(chromium, base)

        # -- a member of staff, on the way out of the playground --------------------------
        staff = journey.person()
        staff.goto(f"{base}/login")
        journey.look(staff, "sign-in")
        staff.get_by_label("Email address").fill(people.staff.email)
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Sign in").click()
        staff.wait_for_url(f"{base}/concerns/new")
        journey.look(staff, "find-the-child")
        staff.get_by_label("Child's name or UPN").fill("walsh")
        staff.get_by_role("button", name="Find the child").click()
        assert "walsh" not in staff.url.lower()
        journey.look(staff, "children-found")
        staff.get_by_role("link", name="Ben Walsh").click()
        assert staff.get_by_text(
            "If a child is in immediate danger, call 999 now."
        ).first.is_visible()
        staff.get_by_label("Physical abuse").check()
        staff.get_by_label("What did you see or hear?").fill(
            "Bruise on the left forearm; he said his stepfather grabbed him."
        )
        staff.get_by_label("The child's own words (optional)").fill("He grabbed me really hard.")
        seen = (school.ctx.clock() - timedelta(hours=1)).astimezone(SCHOOL_TIME)
        staff.get_by_label("Day").fill(str(seen.day))
        staff.get_by_label("Month").fill(str(seen.month))
        staff.get_by_label("Year").fill(str(seen.year))
        staff.get_by_label("Time (optional)").fill(f"{seen:%H:%M}")
        staff.get_by_label("The child is at immediate risk of harm").check()
        staff.get_by_label("Front: Left arm").check()
        staff.get_by_label("Describe the mark").fill("Bruise about 3 cm, purple")
        journey.look(staff, "raise-a-concern")
        staff.get_by_role("button", name="Raise the concern").click()
        staff.wait_for_url(f"{base}/concerns/*")
        assert staff.get_by_text("Concern raised.").is_visible()
        assert (
            staff.locator("#body-marks").inner_text()
            == "Front: Left arm – Bruise about 3 cm, purple"
        )
        journey.look(staff, "concern-raised")
        staff.get_by_role("button", name="Sign out").click()
        staff.wait_for_url(f"{base}/login")

        # -- the DSL is told by email: the urgency and a link, nothing personal -------------
        channel = SmtpChannel(smtp_agency.host, smtp_agency.port, "dsl@school.test", tls_settings)
        AlertService(school.ctx, school.projection_db()).send_new(channel.send_notice)
        (alert,) = smtp_agency.messages
        assert alert.subject.startswith("URGENT")
        assert "Walsh" not in alert.raw.decode()

        # -- the DSL, with the authenticator app --------------------------------------------
        dsl = journey.person()
        dsl.goto(f"{base}/login")
        dsl.get_by_label("Email address").fill(people.dsl.email)
        dsl.get_by_label("Password").fill(PASSWORD)
        dsl.get_by_role("button", name="Sign in").click()
        dsl.wait_for_url(f"{base}/login/second-factor")
        journey.look(dsl, "security-code")
        assert people.dsl.totp_secret
        dsl.get_by_label("Security code").fill(
            pyotp.TOTP(people.dsl.totp_secret).at(school.ctx.clock())
        )
        dsl.get_by_role("button", name="Continue").click()
        dsl.wait_for_url(f"{base}/worklist")
        journey.look(dsl, "worklist")
        dsl.get_by_role("link", name="Ben Walsh").first.click()
        journey.look(dsl, "case-page")
        dsl.get_by_role("button", name="Acknowledge: I am dealing with it").click()
        assert dsl.get_by_text("Alert acknowledged.").is_visible()

        dsl.get_by_role("link", name="Consent", exact=True).click()
        journey.look(dsl, "consent")
        dsl.get_by_label("Refused", exact=True).check()
        dsl.get_by_label("Parent", exact=True).check()
        dsl.get_by_label("Note (optional)").fill("Mother refused on the phone.")
        dsl.get_by_role("button", name="Save and return to the case").click()
        assert dsl.get_by_text("Consent recorded.").is_visible()

        dsl.get_by_role("link", name="Lawful basis for sharing without consent").click()
        journey.look(dsl, "lawful-basis")
        dsl.get_by_label("Art. 6(1)(e) public task").check()
        dsl.get_by_label("Sch. 1 para 18", exact=False).check()
        dsl.get_by_label("Why is sharing without consent justified?").fill(
            "Risk of significant harm outweighs the parent's refusal."
        )
        dsl.get_by_role("button", name="Save and return to the case").click()
        assert dsl.get_by_text("Lawful basis recorded.").is_visible()

        dsl.get_by_role("link", name="Decide whether to share").click()
        journey.look(dsl, "decide-purpose")
        dsl.get_by_label("Yes", exact=True).check()
        dsl.get_by_label("What is the purpose? (if yes)").fill(
            "A strategy discussion about the injury and the disclosure"
        )
        dsl.get_by_role("button", name="Continue").click()
        journey.look(dsl, "decide-share")
        dsl.get_by_label("Share", exact=True).check()
        dsl.get_by_role("button", name="Continue").click()
        journey.look(dsl, "decide-recipients")
        dsl.get_by_label("County Multi-Agency Safeguarding Hub", exact=False).check()
        dsl.get_by_label("Police Child Protection Unit", exact=False).check()
        dsl.get_by_role("button", name="Continue").click()
        dsl.get_by_label("Your reasons").fill("Injury with a disclosure; urgent.")
        dsl.get_by_role("button", name="Continue").click()
        journey.look(dsl, "check-answers")
        assert "County Multi-Agency Safeguarding Hub, Police Child Protection Unit" in (
            dsl.locator(".govuk-summary-list").inner_text()
        )
        dsl.get_by_role("button", name="Record the decision").click()
        assert dsl.get_by_text("2 referrals are queued to send, urgent first.").is_visible()
        journey.look(dsl, "decision-recorded")
        dsl.get_by_role("link", name="Back to the case").click()
        history = dsl.locator("#history").inner_text()
        assert "Consent refused from parent" in history
        assert "Decided to share with mash, police" in history
        journey.look(dsl, "shared")

        dsl.get_by_role("link", name="Assign a follow-up action").click()
        dsl.get_by_label("Who will do it?").select_option(label="Ms Green (Member of staff)")
        dsl.get_by_label("What needs doing?").fill("Check in with Ben at lunch tomorrow")
        due = school.ctx.clock().date() + timedelta(days=1)
        dsl.get_by_label("Day").fill(str(due.day))
        dsl.get_by_label("Month").fill(str(due.month))
        dsl.get_by_label("Year").fill(str(due.year))
        journey.look(dsl, "assign-action")
        dsl.get_by_role("button", name="Save and return to the case").click()
        assert dsl.get_by_text("Action assigned.").is_visible()
        assert "Check in with Ben at lunch tomorrow" in dsl.locator("#actions").inner_text()
        journey.look(dsl, "action-assigned")

        dsl.get_by_role("link", name="The child's chronology across concerns").click()
        assert "Ben Walsh" in dsl.locator("h1").inner_text()
        journey.look(dsl, "chronology")

    report = "\n".join(journey.findings) or "none"
    (SHOTS / "axe.txt").write_text(report + "\n")
    assert not journey.serious(), report
    assert not [m for m in journey.console if "error" in m.lower() or "policy" in m.lower()], (
        journey.console
    )
    assert len(journey.shots) == 2 * journey.step
