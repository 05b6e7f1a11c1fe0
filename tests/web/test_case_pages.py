"""The DSL's case work in the browser: the worklist (urgent first), the flowchart's steps
(consent refused, a lawful basis, share with an agency, the family not told), erasure."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from domain.access import AccessLog
from domain.referral import Referral
from safeshare.services.school import Safeshare
from tests.support import born
from tests.web.conftest import People
from tests.web.support import Browser, problems, raise_concern, text_of


def raised_by_staff(
    app: FastAPI, school: Safeshare, people: People, child_id: str, **f: str
) -> str:
    b = Browser(app, school)
    b.sign_in(people.staff)
    return raise_concern(b, child_id, **f)


def test_the_worklist_shows_urgent_concerns_first_with_the_childs_name(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    other = str(web_school.children.register("Amy Lee", born(web_school.ctx.clock, 11), "Office"))
    raised_by_staff(app, web_school, people, other, category="neglect")
    raised_by_staff(app, web_school, people, child_id, **{"immediate-risk": "yes"})
    browser.sign_in(people.dsl)
    page = browser.get("/worklist").text
    rows = text_of(page[page.index('id="worklist"') :])
    assert rows.index("Ben Walsh Urgent") < rows.index("Amy Lee")


def test_consent_refused_a_lawful_basis_and_a_share_are_recorded_from_the_case_page(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id, **{"immediate-risk": "yes"})
    browser.sign_in(people.dsl)
    case = text_of(browser.get(f"/concerns/{concern_id}").text)
    assert "Consent Sought, given, refused, withdrawn, or not sought and why To do" in case
    browser.get(f"/concerns/{concern_id}/consent")
    r = browser.post(f"/concerns/{concern_id}/consent", {"status": "refused"})
    assert r.status_code == 400 and "From: is required: child, parent or carer" in r.text
    r = browser.post(
        f"/concerns/{concern_id}/consent",
        {"status": "refused", "from": "parent", "note": "Mother refused on the phone."},
    )
    assert text_of(browser.follow(r).text).count("Consent recorded.") == 1
    browser.get(f"/concerns/{concern_id}/basis")
    r = browser.post(
        f"/concerns/{concern_id}/basis",
        {
            "article6": "public-task",
            "article9": "safeguarding",
            "justification": "Risk of significant harm outweighs the refusal.",
        },
    )
    assert "Lawful basis recorded." in browser.follow(r).text
    base = f"/concerns/{concern_id}/decide"
    for question, answers in (
        ("purpose", {"purpose-clear": "yes", "purpose": "Strategy discussion about the injury"}),
        ("share", {"share": "yes"}),
        ("recipients", {"to": ["mash", "police"]}),
        ("reasons", {"reasons": "Injury with a disclosure; consent refused, basis recorded."}),
        ("check", {}),
    ):
        browser.get(f"{base}/{question}")
        r = browser.post(f"{base}/{question}", answers)
        assert r.status_code == 303, problems(r.text)
    done = text_of(browser.follow(r).text)
    assert "2 referrals are queued to send, urgent first." in done
    page = text_of(browser.get(f"/concerns/{concern_id}").text)
    assert "Decision 1: share" in page
    assert "Consent refused by the parent" in page
    assert "Lawful basis Art. 6(1)(e) public task; Art. 9(2)(g), DPA 2018 Sch. 1 para 18" in page
    assert "Decided to share with mash, police (decided at: lawful-basis)" in page
    assert "Mrs Dee &lt;dee@school.test&gt;" in page
    referrals = web_school.app.recorder.select_notifications(
        start=None, limit=10, topics=[Referral.Prepared.TOPIC]
    )
    assert len(referrals) == 2
    browser.get(f"/concerns/{concern_id}/inform")
    r = browser.post(
        f"/concerns/{concern_id}/inform", {"informed": "no", "reason": "Would increase the risk"}
    )
    assert "Family told No, reason recorded" in text_of(browser.follow(r).text)


def test_a_decision_without_reasons_is_refused_naming_the_field(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id)
    browser.sign_in(people.dsl)
    browser.get(f"/concerns/{concern_id}/decide/reasons")
    r = browser.post(f"/concerns/{concern_id}/decide/reasons", {"reasons": " "})
    assert r.status_code == 400
    assert "<title>Error: Your reasons" in r.text
    assert 'href="#reasons"' in r.text
    assert "Give the reasons for your decision (golden rule 7)" in r.text


def test_an_urgent_share_without_the_police_or_a_reason_is_refused_at_check_naming_the_rule(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id, **{"immediate-risk": "yes"})
    browser.sign_in(people.dsl)
    base = f"/concerns/{concern_id}/decide"
    browser.get(f"{base}/purpose")
    browser.post(f"{base}/purpose", {"purpose-clear": "yes", "purpose": "Protect the child"})
    browser.post(f"{base}/share", {"share": "yes"})
    browser.post(f"{base}/recipients", {"to": ["mash"]})
    browser.post(f"{base}/reasons", {"reasons": "Disclosure."})
    browser.get(f"{base}/check")
    r = browser.post(f"{base}/check", {})
    assert r.status_code == 400
    assert "the police must be among the recipients" in r.text
    assert not web_school.app.recorder.select_notifications(
        start=None, limit=5, topics=[Referral.Prepared.TOPIC]
    )


def test_erasure_names_what_becomes_unrecoverable_and_needs_confirmation(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id)
    browser.sign_in(people.dsl)
    page = text_of(browser.get(f"/children/{child_id}/erase").text)
    assert "Erase Ben Walsh's personal data" in page.replace("&#39;", "'")
    assert "This cannot be undone." in page
    assert "body-map notes of 1 concern" in page
    r = browser.post(f"/children/{child_id}/erase", {"reason": "retention-ended"})
    assert r.status_code == 400 and "Confirm that you understand" in r.text
    r = browser.post(f"/children/{child_id}/erase", {"reason": "retention-ended", "confirm": "yes"})
    assert "The child&#39;s personal data has been erased." in browser.follow(r).text
    case = text_of(browser.get(f"/concerns/{concern_id}").text)
    assert "[erased] Erased" in case and "Ben Walsh" not in case


def test_the_childs_chronology_is_a_page_for_the_dsl_and_reading_it_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    raised_by_staff(app, web_school, people, child_id, facts="Said <b>he</b> was hit.")
    browser.sign_in(people.dsl)
    r = browser.get(f"/children/{child_id}/chronology")
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Chronology across concerns Ben Walsh" in page
    assert "Said &lt;b&gt;he&lt;/b&gt; was hit." in page
    views = [
        getattr(e, "action", None)
        for e in web_school.app.events.get(AccessLog.create_id(UUID(child_id)))
    ]
    assert "chronology" in views


def test_bad_input_on_the_basis_and_family_pages_is_named_and_nothing_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id)
    browser.sign_in(people.dsl)
    before = len(list(web_school.app.events.get(UUID(concern_id))))
    browser.get(f"/concerns/{concern_id}/basis")
    r = browser.post(f"/concerns/{concern_id}/basis", {"article6": "public-task"})
    assert r.status_code == 400
    assert "Justification: say why sharing without consent is justified" in r.text
    r = browser.post(
        f"/concerns/{concern_id}/basis", {"article6": "whim", "justification": "Because."}
    )
    assert r.status_code == 400 and "Article6: &#39;whim&#39; is not one of" in r.text
    browser.get(f"/concerns/{concern_id}/inform")
    r = browser.post(f"/concerns/{concern_id}/inform", {})
    assert r.status_code == 400 and "Informed: choose whether the family was told" in r.text
    assert len(list(web_school.app.events.get(UUID(concern_id)))) == before


def test_the_decision_as_question_pages_with_check_your_answers_and_what_happens_next(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, browser: Browser
) -> None:
    concern_id = raised_by_staff(app, web_school, people, child_id)
    browser.sign_in(people.dsl)
    base = f"/concerns/{concern_id}/decide"
    page = text_of(browser.get(f"{base}/purpose").text)
    assert "Is there a clear and legitimate purpose for sharing information?" in page
    r = browser.post(f"{base}/purpose", {"purpose-clear": "yes"})
    assert r.status_code == 400 and "Say what the purpose is" in r.text
    r = browser.post(f"{base}/purpose", {"purpose-clear": "no"})
    assert r.headers["location"] == f"{base}/reasons"  # no purpose: do not share
    browser.get(f"{base}/reasons")
    r = browser.post(f"{base}/reasons", {"reasons": "No clear purpose yet; monitor."})
    check = text_of(browser.follow(r).text)
    assert "Clear and legitimate purpose No" in check and "Share No" in check
    assert "Reasons No clear purpose yet; monitor." in check
    assert not list(web_school.app.events.get(UUID(concern_id)))[-1].__class__.__name__.startswith(
        "Sharing"
    )
    r = browser.post(f"{base}/check", {})
    done = text_of(browser.follow(r).text)
    assert "Decision recorded Do not share (decided at: purpose)" in done
    assert "Nothing is sent. Your reasons are in the record." in done
    assert "Decision 1: do not share" in text_of(browser.get(f"/concerns/{concern_id}").text)
