"""Staff find the child and raise a concern: facts, opinion and the child's own words held
apart, immediate risk marked urgent, a body-map mark, errors named field by field."""

from __future__ import annotations

from domain.concern import Concern
from safeshare.services.school import Safeshare
from tests.support import FakeClock, born
from tests.web.conftest import People
from tests.web.support import Browser, observed_fields, raise_concern, text_of


def concerns_recorded(school: Safeshare) -> int:
    return len(
        school.app.recorder.select_notifications(
            start=None, limit=1000, topics=[Concern.Raised.TOPIC]
        )
    )


def test_staff_sign_in_and_land_on_raise_a_concern(browser: Browser, people: People) -> None:
    r = browser.sign_in(people.staff)
    assert r.headers["location"] == "/concerns/new"
    page = text_of(browser.get("/concerns/new").text)
    assert "Which child are you worried about?" in page
    assert "Signed in as Ms Green (Member of staff)" in page


def test_the_child_is_found_by_a_post_and_the_name_never_reaches_a_url(
    browser: Browser, people: People, child_id: str, clock: FakeClock
) -> None:
    browser.sign_in(people.staff)
    browser.get("/concerns/new")
    r = browser.post("/concerns/new/search", {"name-or-upn": "wals"})
    assert r.status_code == 200
    assert "walsh" not in str(r.url).lower()
    page = text_of(r.text)
    assert "1 child found" in page
    assert f"Ben Walsh born {born(clock, 12)}" in page
    assert f'href="/concerns/new/{child_id}"' in r.text
    by_upn = text_of(browser.post("/concerns/new/search", {"name-or-upn": "A123456789012"}).text)
    assert "Ben Walsh" in by_upn


def test_a_search_too_short_names_the_field(browser: Browser, people: People) -> None:
    browser.sign_in(people.staff)
    browser.get("/concerns/new")
    r = browser.post("/concerns/new/search", {"name-or-upn": "b"})
    assert r.status_code == 400
    assert "<title>Error: " in r.text
    assert "Enter at least 2 letters of the child&#39;s name, or their UPN" in r.text


def test_an_urgent_concern_with_a_body_map_mark_is_shown_on_the_case_page(
    browser: Browser, people: People, child_id: str
) -> None:
    browser.sign_in(people.staff)
    form = browser.get(f"/concerns/new/{child_id}").text
    assert "If a child is in immediate danger, call 999 now." in form
    assert "distinguish fact from opinion" in form
    concern_id = raise_concern(
        browser,
        child_id,
        opinion="I think he is frightened to go home.",
        **{
            "child-words": "He said: my dad grabbed me.",
            "immediate-risk": "yes",
            "crime-suspected": "yes",
            "body-region": "front-left-arm",
            "body-note": "Bruise about 3 cm, purple",
            "location": "Playground",
        },
    )
    page = text_of(browser.get(f"/concerns/{concern_id}").text)
    assert "Concern raised. The designated safeguarding lead can see it now." in page
    assert "Ben Walsh Urgent" in page
    assert "What was seen or heard (fact) Bruise on the left forearm" in page
    assert "What the raiser thinks (opinion) I think he is frightened to go home." in page
    assert "The child's own words He said: my dad grabbed me." in page.replace("&#39;", "'")
    assert "Front: Left arm – Bruise about 3 cm, purple" in page
    assert "Body map, front: marked Left arm" in page
    mine = text_of(browser.get("/concerns/mine").text)
    assert "Ben Walsh" in mine and "Urgent" in mine


def test_an_empty_form_names_each_field_and_records_nothing(
    browser: Browser, people: People, child_id: str, web_school: Safeshare
) -> None:
    browser.sign_in(people.staff)
    browser.get(f"/concerns/new/{child_id}")
    r = browser.post(f"/concerns/new/{child_id}", {"body-note": "a mark"})
    assert r.status_code == 400
    assert "<title>Error: Raise a concern" in r.text
    summary = r.text[r.text.index("govuk-error-summary") :]
    for message, field in (
        ("Enter when you saw or heard it, for example 27 3 2026", "#observed-day"),
        ("Choose the body region where you saw the mark", "#body-region"),
        ("Enter what you saw or heard", "#facts"),
        ("Choose the kind of concern", "#category"),
    ):
        assert f'href="{field}"' in summary
        assert message in summary
    assert concerns_recorded(web_school) == 0


def test_a_moment_in_the_future_is_refused_naming_the_field(
    browser: Browser, people: People, child_id: str, web_school: Safeshare
) -> None:
    browser.sign_in(people.staff)
    browser.get(f"/concerns/new/{child_id}")
    fields = observed_fields(web_school.ctx.clock(), hours_ago=-48)
    r = browser.post(
        f"/concerns/new/{child_id}",
        {"category": "neglect", "facts": "No coat in the snow.", **fields},
    )
    assert r.status_code == 400
    assert "Observed at: is in the future" in r.text
    assert concerns_recorded(web_school) == 0


def test_text_from_a_person_is_shown_as_written_never_as_markup(
    browser: Browser, people: People, web_school: Safeshare
) -> None:
    child = str(
        web_school.children.register(
            "<b>Amy</b> [bold]Lee[/bold]", born(web_school.ctx.clock, 11), "Office"
        )
    )
    browser.sign_in(people.staff)
    concern_id = raise_concern(
        browser,
        child,
        facts="<script>alert('x')</script> and [bold]not bold[/bold]",
        **{
            "child-words": "<img src=x onerror=alert(1)>",
            "body-region": "back-upper",
            "body-note": "<i>mark</i>",
        },
    )
    html = browser.get(f"/concerns/{concern_id}").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>mark" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; and [bold]not bold[/bold]" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;Amy&lt;/b&gt; [bold]Lee[/bold]" in html
    assert "&lt;i&gt;mark&lt;/i&gt;" in html
    search = browser.post("/concerns/new/search", {"name-or-upn": "amy"}).text
    assert "&lt;b&gt;Amy&lt;/b&gt;" in search and "<b>Amy" not in search


def test_line_breaks_in_the_facts_are_kept_and_each_line_is_still_escaped(
    browser: Browser, people: People, child_id: str
) -> None:
    browser.sign_in(people.staff)
    concern_id = raise_concern(browser, child_id, facts="First he said no.\n<b>Then</b> he cried.")
    html = browser.get(f"/concerns/{concern_id}").text
    assert "First he said no.<br>&lt;b&gt;Then&lt;/b&gt; he cried." in html
