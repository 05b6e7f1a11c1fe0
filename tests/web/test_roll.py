"""The school roll from the MIS pupil export: each new pupil registered (sealed), pupils
already on the roll left alone, a bad row named by its line; staff then find them."""

from __future__ import annotations

from safeshare.bootstrap import Safeshare
from tests.web.conftest import People
from tests.web.support import Browser, text_of

SIMS_EXPORT = (
    "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group\n"
    "A123456789012,Walsh,Benjamin,Ben,19/01/2014,7,7W\n"
    "B123456789012,Lee,Amelia,,03/03/2015,6,6L\n"
    "C123456789012,Okafor,Chidi,,31/02/2014,7,7W\n"
)


def test_an_admin_uploads_the_roll_and_staff_find_the_pupils_by_preferred_name(
    browser: Browser, people: People, web_school: Safeshare
) -> None:
    browser.sign_in(people.admin)
    browser.get("/admin/roll")
    token = browser.csrf()
    r = browser.client.post(
        "/admin/roll",
        data={"csrf_token": token},
        files={"roll": ("pupils.csv", SIMS_EXPORT.encode(), "text/csv")},
    )
    page = text_of(r.text)
    assert "2 pupils added 0 already on the roll." in page
    assert "line 4: date of birth: is not a date like 19/01/2014" in page
    again = browser.client.post(
        "/admin/roll",
        data={"csrf_token": token},
        files={"roll": ("pupils.csv", SIMS_EXPORT.encode(), "text/csv")},
    )
    assert "0 pupils added 2 already on the roll." in text_of(again.text)

    staff = Browser(browser.client.app, web_school)  # type: ignore[arg-type]
    staff.sign_in(people.staff)
    staff.get("/concerns/new")
    found = text_of(staff.post("/concerns/new/search", {"name-or-upn": "ben walsh"}).text)
    assert "Ben Walsh (Benjamin Walsh) born 2014-01-19, UPN A123456789012" in found


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
