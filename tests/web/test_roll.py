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
