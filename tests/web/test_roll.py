"""The school roll from the MIS pupil export: each new pupil registered (sealed), pupils
already on the roll left alone, a bad row named by its line; staff then find them."""

from __future__ import annotations

from datetime import date

from safeshare.services.school import Safeshare
from tests.support import FakeClock, born
from tests.web.conftest import People
from tests.web.support import Browser, text_of


def sims_export(clock: FakeClock) -> str:
    """The pupil export as SIMS writes it (dates of birth as dd/mm/yyyy); the third pupil's
    date of birth is a day that does not exist."""
    ben = date.fromisoformat(born(clock, 12))
    amy = date.fromisoformat(born(clock, 11))
    return (
        "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group\n"
        f"A123456789012,Walsh,Benjamin,Ben,{ben:%d/%m/%Y},7,7W\n"
        f"B123456789012,Lee,Amelia,,{amy:%d/%m/%Y},6,6L\n"
        f"C123456789012,Okafor,Chidi,,31/02/{ben.year},7,7W\n"
    )


def test_an_admin_uploads_the_roll_and_staff_find_the_pupils_by_preferred_name(
    browser: Browser, people: People, web_school: Safeshare, clock: FakeClock
) -> None:
    browser.sign_in(people.admin)
    browser.get("/admin/roll")
    token = browser.csrf()
    r = browser.client.post(
        "/admin/roll",
        data={"csrf_token": token},
        files={"roll": ("pupils.csv", sims_export(clock).encode(), "text/csv")},
    )
    page = text_of(r.text)
    assert "2 pupils added 0 already on the roll." in page
    assert "line 4: date of birth: is not a date like 19/01/2014" in page
    again = browser.client.post(
        "/admin/roll",
        data={"csrf_token": token},
        files={"roll": ("pupils.csv", sims_export(clock).encode(), "text/csv")},
    )
    assert "0 pupils added 2 already on the roll." in text_of(again.text)

    staff = Browser(browser.client.app, web_school)  # type: ignore[arg-type]
    staff.sign_in(people.staff)
    staff.get("/concerns/new")
    found = text_of(staff.post("/concerns/new/search", {"name-or-upn": "ben walsh"}).text)
    assert f"Ben Walsh (Benjamin Walsh) born {born(clock, 12)}, UPN A123456789012" in found


def test_a_file_without_the_columns_it_needs_is_refused_naming_them(
    browser: Browser, people: People
) -> None:
    browser.sign_in(people.admin)
    browser.get("/admin/roll")
    r = browser.client.post(
        "/admin/roll",
        data={"csrf_token": browser.csrf()},
        files={"roll": ("pupils.csv", b"Name,Class\nBen,7W\n", "text/csv")},
    )
    assert r.status_code == 400
    assert "The file: no column for upn, surname, dob in the header row" in r.text


def test_a_pupil_with_a_child_protection_file_who_leaves_the_roll_opens_the_transfer_task(
    browser: Browser, people: People, web_school: Safeshare, clock: FakeClock, child_id: str
) -> None:
    """Ben (a concern on file) and Dan (none) are not in the next export. A file not said to
    be the whole roll marks nobody as leaving; the whole roll says how many would be marked
    before anything is recorded, and on confirming both are recorded as having left; only
    Ben's file must follow him, within 5 school days, on the worklist. The task closes when
    the DSL decides to send the file to the new school."""
    from uuid import UUID

    from domain.child import Child
    from projections.workdays import deadline, local_day
    from safeshare.demo.directory import agency_dir
    from safeshare.services.projections import calendar
    from tests.web.api_support import ApiClient, token_for
    from tests.web.support import raise_concern

    amy, dan = born(clock, 11), date.fromisoformat(born(clock, 13))
    everyone = (
        "UPN,Legal Surname,Legal Forename,DOB\n"
        f"A123456789012,Walsh,Ben,{date.fromisoformat(born(clock, 12)):%d/%m/%Y}\n"
        f"B123456789012,Lee,Amy,{amy}\n"
        f"D123456789012,Dunn,Dan,{dan:%d/%m/%Y}\n"
    )
    without_ben_and_dan = f"UPN,Legal Surname,Legal Forename,DOB\nB123456789012,Lee,Amy,{amy}\n"

    def upload(csv: str, whole_roll: bool = False) -> str:
        browser.get("/admin/roll")
        r = browser.client.post(
            "/admin/roll",
            data={"csrf_token": browser.csrf(), **({"whole-roll": "yes"} if whole_roll else {})},
            files={"roll": ("pupils.csv", csv.encode(), "text/csv")},
        )
        assert r.status_code == 200, text_of(r.text)[:500]
        browser.page = r
        return text_of(r.text)

    def left_roll(child: UUID) -> list[bool]:
        events = web_school.app.events.get(child)
        return [e.has_file for e in events if isinstance(e, Child.LeftRoll)]

    browser.sign_in(people.admin)
    assert "2 pupils added 1 already on the roll." in upload(everyone)
    staff = Browser(browser.client.app, web_school)  # type: ignore[arg-type]
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id)
    ben = UUID(child_id)

    partial = upload(without_ben_and_dan)
    assert "2 pupils on the roll are not in this file. Nobody has been marked as leaving" in partial
    assert "Mark 2 pupils as having left" not in partial
    assert left_roll(ben) == []

    confirm = upload(without_ben_and_dan, whole_roll=True)
    assert "2 pupils on the roll are not in this file" in confirm
    assert (
        "2 pupils will be marked as having left the roll. 1 of them has a child-protection file"
        in confirm
    )
    assert left_roll(ben) == []  # nothing recorded before the admin confirms
    left_on = clock()
    r = browser.post("/admin/roll/leavers", {})
    done = text_of(browser.follow(r).text).replace("&#39;", "'")
    assert (
        "2 pupils recorded as having left; 1 with a child-protection file, whose transfer to "
        "the new school is now on the DSL's worklist." in done
    )
    assert left_roll(ben) == [True]
    assert browser.post("/admin/roll/leavers", {}).status_code == 400  # confirmed once
    assert "not in this file" not in upload(without_ben_and_dan, whole_roll=True)
    assert left_roll(ben) == [True]

    dsl = Browser(browser.client.app, web_school)  # type: ignore[arg-type]
    dsl.sign_in(people.dsl)
    due = local_day(deadline(calendar(web_school.settings), left_on, 5, school=True))
    worklist = dsl.get("/worklist").text
    assert f'href="/children/{child_id}/chronology"' in worklist
    rows = text_of(worklist[worklist.index('id="worklist"') :])
    task = "left the roll: send the child-protection file to the new school"
    assert f"Ben Walsh The child&#39;s file {task} (due {due.isoformat()})" in rows
    assert "Dan Dunn" not in rows  # no file held: nothing to transfer

    cert = (agency_dir(web_school.settings.data, "police") / "agency-cert.pem").read_text()
    web_school.agencies.add(
        "hillside", "Hillside Academy", "school", "smtp", "dsl@hillside.example", cert, "test"
    )
    api = ApiClient(browser.client.app, token_for(web_school, people.dsl))  # type: ignore[arg-type]
    api.post(f"/concerns/{concern_id}/consent", {"status": "not-sought", "reason": "risk-to-child"})
    api.post(
        f"/concerns/{concern_id}/lawful-basis",
        {
            "article6": "public-task",
            "article9": "safeguarding",
            "justification": "KCSIE: the file follows the child.",
        },
    )
    r = api.post(
        f"/concerns/{concern_id}/decision",
        {
            "share": True,
            "reasons": "Ben has moved school; his file must follow him.",
            "purpose": "To transfer the child-protection file",
            "to": ["hillside"],
        },
    )
    assert r.status_code == 200, r.text
    rows = text_of(dsl.get("/worklist").text)
    assert task not in rows
    assert "child-protection file transfer to hillside due" in rows
