"""The school roll page in Chromium: the administrator uploads the whole roll, is told how
many pupils would be marked as leaving, and confirms; axe finds no serious or critical
violation, desktop and a 360 px phone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from domain.child import Child
from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare
from tests.support import FakeClock, born
from tests.web.browsers import BROWSER_JOURNEY
from tests.web.conftest import People
from tests.web.live_server import serving
from tests.web.test_auditor_journey import png_width, sign_in_with_totp
from tests.web.test_browser_journey import Journey

pytestmark = BROWSER_JOURNEY


def test_the_admin_confirms_the_leavers_of_a_whole_roll_in_chromium(
    chromium: Browser,
    web_school: Safeshare,
    people: People,
    child_id: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    """Ben is on the roll; the export holds only Amy and is the whole roll."""
    from uuid import UUID

    export = tmp_path / "pupils.csv"
    export.write_text(
        f"UPN,Legal Surname,Legal Forename,DOB\nB123456789012,Lee,Amy,{born(clock, 11)}\n"
    )
    with serving(create_app(web_school)) as base:
        journey = Journey(chromium, base)
        journey.step = 60
        admin = journey.person()
        sign_in_with_totp(admin, base, people.admin.email, people.admin.totp_secret, web_school)
        admin.goto(f"{base}/admin/roll")
        journey.look(admin, "admin-roll")
        admin.get_by_label("Pupil export (CSV)").set_input_files(str(export))
        admin.get_by_label("This file is the whole roll").check()
        admin.get_by_role("button", name="Import the roll").click()
        assert (
            "1 pupil on the roll is not in this file" in admin.locator("#roll-leavers").inner_text()
        )
        journey.look(admin, "admin-roll-leavers-confirm")
        left = [
            e for e in web_school.app.events.get(UUID(child_id)) if isinstance(e, Child.LeftRoll)
        ]
        assert left == []
        admin.get_by_role("button", name="Mark 1 pupil as having left").click()
        assert admin.get_by_text("1 pupil recorded as having left").is_visible()
        journey.look(admin, "admin-roll-leavers-recorded")
    assert not journey.serious(), "\n".join(journey.findings)
    wide = [p.name for p in journey.shots if p.name.endswith("-phone.png") and png_width(p) > 360]
    assert not wide, f"wider than a 360 px phone: {wide}"
