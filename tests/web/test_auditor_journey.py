"""The auditor's journey in a real browser (issue 14): sign in with TOTP, open a shared case
(made by this test's own fixture, so it runs alone under pytest-xdist), replay it as of a
moment before the decision and see it undecided with the proof verified, verify the log,
export the bundle and verify it with `python3 -I verify_bundle.py`, try to change something
and be refused. axe on every page (no serious or critical violation); each page kept as a
screenshot at desktop width and at 360 px."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from contextlib import AbstractContextManager
from pathlib import Path

import pyotp
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.audit_support import make_shared_case
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.conftest import People
from tests.web.live_server import serving
from tests.web.support import PASSWORD, SCHOOL_TIME
from tests.web.test_browser_journey import SHOTS, Journey

pytestmark = BROWSER_JOURNEY


def test_an_auditor_replays_a_shared_case_verifies_the_log_and_changes_nothing(
    chromium: Browser,
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    school = web_school
    case = make_shared_case(app, school, people, child_id, clock)
    with serving_app(school) as base:
        journey = Journey(chromium, base)
        auditor = journey.person()
        auditor.goto(f"{base}/login")
        auditor.get_by_label("Email address").fill(people.auditor.email)
        auditor.get_by_label("Password").fill(PASSWORD)
        auditor.get_by_role("button", name="Sign in").click()
        auditor.wait_for_url(f"{base}/login/second-factor")
        assert people.auditor.totp_secret
        auditor.get_by_label("Security code").fill(
            pyotp.TOTP(people.auditor.totp_secret).at(school.ctx.clock())
        )
        auditor.get_by_role("button", name="Continue").click()
        auditor.wait_for_url(f"{base}/audit")
        journey.look(auditor, "auditor-start")

        auditor.get_by_role("link", name="Audit trail", exact=True).first.click()
        auditor.get_by_label("Record or child id").fill(case.concern_id)
        auditor.get_by_role("button", name="Show").click()
        assert "Mrs Dee" in auditor.locator("#trail").inner_text()
        journey.look(auditor, "auditor-trail")

        auditor.get_by_role("link", name="Replay", exact=True).click()
        journey.look(auditor, "auditor-replay-form")
        before = case.before_decision.astimezone(SCHOOL_TIME)
        auditor.get_by_label("Concern id").fill(case.concern_id)
        auditor.get_by_label("Date").fill(before.date().isoformat())
        auditor.get_by_label("Time (school time)").fill(f"{before:%H:%M}")
        auditor.get_by_role("button", name="Replay").click()
        auditor.wait_for_url(f"{base}/audit/replay/{case.concern_id}?as_of=*")
        assert "Proof verified" in auditor.locator("#proof").inner_text()
        assert auditor.get_by_text("Not decided yet").is_visible()
        assert "later record" in auditor.locator("#later").inner_text()
        assert auditor.locator("#checkpoint").inner_text().strip()
        journey.look(auditor, "auditor-replay")

        auditor.get_by_role("link", name="Verify", exact=True).click()
        auditor.get_by_role("button", name="Verify now").click()
        assert auditor.get_by_text("No problems found").is_visible()
        journey.look(auditor, "auditor-verify")

        auditor.get_by_role("link", name="Export", exact=True).click()
        auditor.get_by_label("Concern id (optional)").fill(case.concern_id)
        journey.look(auditor, "auditor-export")
        with auditor.expect_download() as download:
            auditor.get_by_role("button", name="Download the bundle").click()
        archive = tmp_path / "bundle.zip"
        download.value.save_as(archive)
        zipfile.ZipFile(archive).extractall(tmp_path)
        checked = subprocess.run(
            [
                sys.executable,
                "-I",
                str(tmp_path / "bundle" / "verify_bundle.py"),
                str(tmp_path / "bundle"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("OK")

        auditor.goto(f"{base}/audit/shared/{case.concern_id}")
        assert case.referral_ids
        journey.look(auditor, "auditor-shared")
        auditor.get_by_role("link", name="Timeliness", exact=True).click()
        journey.look(auditor, "auditor-timeliness")

        # An auditor changes nothing: the casework pages are not there for them (the
        # browser reports the 404 it is given, so its console is read before this).
        said = list(journey.console)
        auditor.goto(f"{base}/concerns/{case.concern_id}/consent")
        assert auditor.locator("h1").inner_text() == "Page not found"
        assert auditor.locator("form[action$='/consent']").count() == 0
        before_count = school.app.recorder.max_notification_id()
        response = auditor.request.post(
            f"{base}/concerns/{case.concern_id}/inform", form={"informed": "yes"}
        )
        assert response.status == 403  # no CSRF token, and no role for it either
        changes = [
            n.topic
            for n in school.app.recorder.select_notifications(
                start=(before_count or 0) + 1, limit=100
            )
            if not n.topic.startswith("safeshare:access")
        ]
        assert changes == []

    wide = [p.name for p in journey.shots if p.name.endswith("-phone.png") and png_width(p) > 360]
    assert not wide, f"wider than a 360 px phone: {wide}"
    report = "\n".join(journey.findings) or "none"
    (SHOTS / "axe-auditor.txt").write_text(report + "\n")
    assert not journey.serious(), report
    assert not [m for m in said if "error" in m.lower() or "policy" in m.lower()], said


def serving_app(school: Safeshare) -> AbstractContextManager[str]:
    return serving(create_app(school))


def png_width(path: Path) -> int:
    """The width of a PNG, from its header (a full-page screenshot widens with overflow)."""
    return int.from_bytes(path.read_bytes()[16:20], "big")


def test_the_subject_access_and_api_token_pages_pass_axe_at_both_widths(
    chromium: Browser,
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    clock: FakeClock,
) -> None:
    school = web_school
    case = make_shared_case(app, school, people, child_id, clock)
    with serving_app(school) as base:
        journey = Journey(chromium, base)
        journey.step = 20
        dsl = journey.person()
        sign_in_with_totp(dsl, base, people.dsl.email, people.dsl.totp_secret, school)
        dsl.goto(f"{base}/children/{case.child_id}/chronology")
        dsl.get_by_role("link", name="Answer a subject access request for this child").click()
        journey.look(dsl, "dsl-subject-access")
        dsl.get_by_label("A parent or carer, for the child").check()
        with dsl.expect_download() as download:
            dsl.get_by_role("button", name="Download the export").click()
        assert download.value.suggested_filename == "subject-access-export.pdf"  # the default

        admin = journey.person()
        sign_in_with_totp(admin, base, people.admin.email, people.admin.totp_secret, school)
        admin.get_by_role("link", name="API tokens").click()
        admin.get_by_label("Account").select_option(label="Mrs Dee (dee@school.test)")
        admin.get_by_label("What it is for").fill("Arbor nightly roll")
        admin.get_by_role("button", name="Make the token").click()
        assert admin.locator("#token").inner_text().startswith("sst_")
        journey.look(admin, "admin-api-tokens")

    wide = [p.name for p in journey.shots if p.name.endswith("-phone.png") and png_width(p) > 360]
    assert not wide, f"wider than a 360 px phone: {wide}"
    assert not journey.serious(), "\n".join(journey.findings)


def sign_in_with_totp(
    page: Page, base: str, email: str, secret: str | None, school: Safeshare
) -> None:
    assert secret
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/login/second-factor")
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(school.ctx.clock()))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
