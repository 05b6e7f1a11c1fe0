"""The DSL's referral page: a preview of exactly the fields the recipient's packet carries
(opening it is a recorded view), a telephone referral to the police recorded as the
referral's first delivery, and advice sought recorded from the case page."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

from fastapi import FastAPI

from domain.access import AccessLog
from domain.packet_fields import PacketField
from domain.referral import Referral
from domain.sealed import Sealed
from safeshare.services.referral_pages import field_label
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.api_support import ApiClient, token_for
from tests.web.conftest import People
from tests.web.support import SCHOOL_TIME, Browser, problems, raise_concern, text_of

FACTS = "Bruise on the left forearm; said <b>his</b> stepfather grabbed him."


def shared_with(
    app: FastAPI, school: Safeshare, people: People, child_id: str, agency: str
) -> tuple[str, str]:
    """Raised by staff in the browser; consent not sought, a basis and a decision to share
    with one agency through the API. Returns the concern and the referral."""
    staff = Browser(app, school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id, facts=FACTS)
    dsl = ApiClient(app, token_for(school, people.dsl))
    r = dsl.post(
        f"/concerns/{concern_id}/consent", {"status": "not-sought", "reason": "risk-to-child"}
    )
    assert r.status_code == 200, r.text
    r = dsl.post(
        f"/concerns/{concern_id}/lawful-basis",
        {
            "article6": "public-task",
            "article9": "safeguarding",
            "justification": "Telling the family first would put the child at risk.",
        },
    )
    assert r.status_code == 200, r.text
    r = dsl.post(
        f"/concerns/{concern_id}/decision",
        {
            "share": True,
            "reasons": "An injury and a disclosure naming an adult at home.",
            "purpose": "To protect the child from significant harm",
            "to": [agency],
        },
    )
    assert r.status_code == 200, r.text
    return concern_id, r.json()["referral_ids"][0]


def views_of(school: Safeshare, record_id: str) -> list[tuple[str, str]]:
    return [
        (getattr(e, "viewer", ""), getattr(e, "action", ""))
        for e in school.app.events.get(AccessLog.create_id(UUID(record_id)))
    ]


def test_the_dsl_previews_exactly_the_fields_the_packet_carries_and_the_view_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id, referral_id = shared_with(app, web_school, people, child_id, "police")
    referral = web_school.app.get(UUID(referral_id), Referral)
    browser.sign_in(people.dsl)
    case = browser.get(f"/concerns/{concern_id}").text
    assert f'href="/referrals/{referral_id}"' in case
    page = browser.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    html = page.text
    start = html.index('id="packet-fields"')
    listed = html[start : html.index("</dl>", start)]
    keys = re.findall(r'govuk-summary-list__key">\s*(.*?)\s*</dt>', listed, re.S)
    assert sorted(keys) == sorted(field_label(f) for f in referral.fields)  # exactly these
    assert "Facts" in keys and "Child name" in keys
    assert len(referral.fields) < len(PacketField)  # minimised: not everything the school holds
    assert "said &lt;b&gt;his&lt;/b&gt; stepfather" in html  # escaped, never markup
    assert "<b>his</b>" not in html
    seen = f"packet preview: police (referral {referral_id})"
    assert ("Mrs Dee <dee@school.test> (web)", seen) in views_of(web_school, concern_id)


def test_staff_who_raised_the_concern_cannot_open_what_was_shared(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id, referral_id = shared_with(app, web_school, people, child_id, "police")
    browser.sign_in(people.staff)
    assert browser.get(f"/concerns/{concern_id}").status_code == 200
    assert browser.get(f"/referrals/{referral_id}").status_code == 403
    browser.sign_in(people.dsl)
    assert browser.get(f"/referrals/{UUID(int=7)}").status_code == 404
    assert browser.get("/referrals/not-an-id").status_code == 404


def test_a_telephone_referral_to_the_police_is_recorded_as_its_first_delivery(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    browser: Browser,
    clock: FakeClock,
) -> None:
    concern_id, referral_id = shared_with(app, web_school, people, child_id, "police")
    browser.sign_in(people.dsl)
    browser.get(f"/referrals/{referral_id}")
    r = browser.post(f"/referrals/{referral_id}/phoned", {"called": "", "reference": ""})
    assert r.status_code == 400
    assert "Error:" in r.text
    assert "Enter when you phoned" in problems(r.text)
    at = (clock() - timedelta(minutes=10)).astimezone(SCHOOL_TIME)
    when = {
        "called-day": str(at.day),
        "called-month": str(at.month),
        "called-year": str(at.year),
        "called-time": f"{at:%H:%M}",
    }
    r = browser.post(f"/referrals/{referral_id}/phoned", {"called": "", "reference": "", **when})
    assert r.status_code == 400 and "Called: is required" in problems(r.text)
    assert web_school.app.get(UUID(referral_id), Referral).phone_call is None  # nothing recorded
    r = browser.post(
        f"/referrals/{referral_id}/phoned",
        {"called": "PC Shah, police contact centre", "reference": "CAD-4411", **when},
    )
    page = text_of(browser.follow(r).text)
    assert "Telephone referral recorded." in page
    assert "Who took the call PC Shah, police contact centre" in page
    assert "Their reference CAD-4411" in page
    assert "Record the telephone referral" not in page  # one call is the first delivery
    case = text_of(browser.get(f"/concerns/{concern_id}").text)
    assert "police prepared Phoned" in case
    events = [
        e
        for e in web_school.app.events.get(UUID(referral_id))
        if isinstance(e, Referral.PhonedThrough)
    ]
    assert len(events) == 1
    assert isinstance(events[0].reference, Sealed) and isinstance(events[0].called, Sealed)
    assert events[0].called_at.astimezone(SCHOOL_TIME).strftime("%H:%M") == when["called-time"]


def test_a_telephone_referral_is_offered_only_for_the_police_and_the_mash(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    _, referral_id = shared_with(app, web_school, people, child_id, "social-care")
    browser.sign_in(people.dsl)
    assert "Record the telephone referral" not in browser.get(f"/referrals/{referral_id}").text
    r = browser.post(
        f"/referrals/{referral_id}/phoned",
        {
            "called": "Duty social worker",
            "reference": "X1",
            "called-day": "1",
            "called-month": "1",
            "called-year": "2020",
            "called-time": "10:00",
        },
    )
    assert r.status_code == 400 and "police or the MASH" in problems(r.text)


def test_advice_sought_is_recorded_from_the_case_page(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id)
    browser.sign_in(people.dsl)
    case = browser.get(f"/concerns/{concern_id}").text
    assert f'href="/concerns/{concern_id}/advice"' in case
    browser.get(f"/concerns/{concern_id}/advice")
    r = browser.post(f"/concerns/{concern_id}/advice", {"from": "LADO", "question": ""})
    assert r.status_code == 400 and "Question: is required" in problems(r.text)
    r = browser.post(
        f"/concerns/{concern_id}/advice",
        {"from": "LADO", "question": "A bruise and a disclosure", "identified": "yes"},
    )
    assert r.status_code == 400 and "identified-reason" in r.text
    assert web_school.ctx.concern(concern_id).advice == []  # nothing recorded
    r = browser.post(
        f"/concerns/{concern_id}/advice",
        {
            "from": "LADO, county council",
            "question": "Year 7 pupil, a bruise and a disclosure about <i>an adult</i>",
            "answer": "Refer to the MASH today.",
        },
    )
    page = browser.follow(r).text
    assert "Advice recorded." in page
    assert "about &lt;i&gt;an adult&lt;/i&gt;" in page
    assert "Asked LADO, county council" in text_of(page)
    assert "No, anonymised" in text_of(page)


def test_a_telephone_referral_is_recorded_from_the_command_line_too(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> None:
    """`safeshare referral phoned`, as the DSL signed in with a token; a second call is
    refused (the first delivery is recorded once), naming why."""
    from typer.testing import CliRunner

    from safeshare.entrypoints.cli.main import app as cli
    from tests.support import ago

    _, referral_id = shared_with(app, web_school, people, child_id, "mash")
    env = {
        "SAFESHARE_DATA": str(web_school.settings.data),
        "SAFESHARE_TOKEN": token_for(web_school, people.dsl),
    }
    args = ["referral", "phoned", referral_id, "--called", "Duty social worker, MASH"]
    done = CliRunner().invoke(
        cli, [*args, "--at", ago(clock, minutes=20), "--reference", "MASH-77", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    assert '"by": "Mrs Dee <dee@school.test> (command line)"' in done.stdout
    again = CliRunner().invoke(
        cli, [*args, "--at", ago(clock, minutes=5), "--reference", "MASH-78"], env=env
    )
    assert again.exit_code == 1 and "already recorded" in again.output
    referral = web_school.app.get(UUID(referral_id), Referral)
    assert referral.phone_call is not None
    assert web_school.ctx.sealer.unseal(referral.child_id, referral.phone_call["reference"]) == (
        "MASH-77"
    )
