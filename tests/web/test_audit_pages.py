"""The auditor's pages: the trail filtered, paged and exported without formulas; a case
replayed as it stood before the decision with its proof checked; verify; the offline bundle;
what each referral shared; the timeliness report. Every page an auditor opens is recorded."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from safeshare.entrypoints.web.routes import audit as audit_routes
from safeshare.services.audit_pages import AuditPages, TrailFilter, spreadsheet_safe
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.audit_support import SharedCase, make_shared_case
from tests.web.conftest import People
from tests.web.support import Browser, add_person, raise_concern, text_of

AUDITOR = "Ms Audit <audit@school.test> (web)"


@pytest.fixture
def shared(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> SharedCase:
    return make_shared_case(app, web_school, people, child_id, clock)


@pytest.fixture
def auditor(app: FastAPI, web_school: Safeshare, people: People) -> Browser:
    b = Browser(app, web_school)
    r = b.sign_in(people.auditor)
    assert r.headers["location"] == "/audit"
    return b


def positions(html: str) -> list[int]:
    return [int(p) for p in re.findall(r'<td class="govuk-table__cell">(\d+)</td>', html)]


def trail_actions(school: Safeshare, actor: str) -> list[str]:
    rows = AuditPages(school).all_rows(TrailFilter(actor=actor), "test reader")
    return [r.action.removeprefix("viewed: ") for r in rows]


def test_the_trail_answers_who_looked_at_this_record_filtered_and_paged(
    auditor: Browser, shared: SharedCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = auditor.get(f"/audit/trail?record={shared.concern_id}&actor=dee@school.test")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Mrs Dee &lt;dee@school.test&gt;" in words
    assert "Ms Green" not in words
    only_refusals = auditor.get(f"/audit/trail?record={shared.concern_id}&action=refused")
    assert "No entries match." in text_of(only_refusals.text)
    monkeypatch.setattr(audit_routes, "PAGE_SIZE", 2)
    first = auditor.get(f"/audit/trail?record={shared.concern_id}")
    assert first.text.count('<tr class="govuk-table__row">') == 3  # header + 2
    assert "Next page" in first.text
    nxt = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = auditor.get(nxt.replace("&amp;", "&"))
    assert second.status_code == 200
    assert "First page" in second.text
    one, two = positions(first.text), positions(second.text)
    assert len(one) == len(two) == 2
    assert max(one) < min(two)  # oldest first, the next page after the cursor


def test_a_date_range_that_ends_before_it_begins_is_named(
    auditor: Browser, clock: FakeClock
) -> None:
    today = clock().date()
    day_before = today - timedelta(days=1)
    page = auditor.get(f"/audit/trail?from={today.isoformat()}&to={day_before.isoformat()}")
    assert page.status_code == 400
    assert "the period ends before it begins" in page.text
    bad = auditor.get("/audit/trail?from=yesterday")
    assert bad.status_code == 400
    assert "<title>Error:" in bad.text


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_a_spreadsheet_cell_that_would_run_a_formula_is_escaped(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell
    assert spreadsheet_safe("Ms Green") == "Ms Green"


def test_the_csv_export_runs_no_formula_in_a_spreadsheet(
    app: FastAPI, web_school: Safeshare, auditor: Browser, child_id: str
) -> None:
    sly = add_person(web_school, '=HYPERLINK("http://evil.test","x")', "sly@school.test", "staff")
    b = Browser(app, web_school)
    b.sign_in(sly)
    raise_concern(b, child_id)
    r = auditor.get("/audit/trail.csv?actor=sly@school.test")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    actors = [row[2] for row in rows[1:]]
    assert actors and all(a.startswith("'=HYPERLINK") for a in actors)
    assert "audit trail export: actor=sly@school.test" in trail_actions(web_school, AUDITOR)


def test_replay_before_the_decision_shows_the_case_undecided_with_its_proof_checked(
    auditor: Browser, shared: SharedCase
) -> None:
    as_of = shared.before_decision.isoformat().replace("+", "%2B")
    page = auditor.get(f"/audit/replay/{shared.concern_id}?as_of={as_of}")
    assert page.status_code == 200, page.text[:500]
    words = text_of(page.text)
    assert "Proof verified" in words
    assert "Not decided yet" in words
    assert "later record" in words  # the decision and the referral are left out
    assert "safeshare" in page.text.split('id="checkpoint"')[1][:200]
    assert "The newest signed checkpoint is" in words
    later = auditor.school.ctx.clock().isoformat().replace("+", "%2B")
    now = auditor.get(f"/audit/replay/{shared.concern_id}?as_of={later}")
    assert "Decided: share" in text_of(now.text)


def test_replay_is_chosen_on_a_form_and_a_bad_moment_is_named(
    auditor: Browser, shared: SharedCase
) -> None:
    auditor.get("/audit/replay")
    at = shared.before_decision.astimezone(audit_routes.SCHOOL_TIME)
    r = auditor.post(
        "/audit/replay",
        {
            "concern": shared.concern_id,
            "as-of-date": at.date().isoformat(),
            "as-of-time": f"{at:%H:%M}",
        },
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/audit/replay/{shared.concern_id}?as_of=")
    auditor.get("/audit/replay")
    bad = auditor.post("/audit/replay", {"concern": "nope", "as-of-date": "soon"})
    assert bad.status_code == 400
    assert "Enter the id of a concern" in bad.text
    assert "Enter a date like" in bad.text


def test_verify_runs_shows_the_result_and_the_run_is_recorded(
    auditor: Browser, shared: SharedCase, web_school: Safeshare
) -> None:
    auditor.get("/audit/verify")
    r = auditor.post("/audit/verify", {})
    assert r.status_code == 303
    page = auditor.follow(r)
    assert "No problems found" in page.text
    assert "audit verify: 0 problem(s)" in trail_actions(web_school, AUDITOR)


def test_the_exported_bundle_verifies_with_python_alone(
    auditor: Browser, shared: SharedCase, tmp_path: Path, web_school: Safeshare
) -> None:
    auditor.get("/audit/export")
    r = auditor.post("/audit/export", {"concern": shared.concern_id})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(r.content)).extractall(tmp_path)
    bundle = tmp_path / "bundle"
    done = subprocess.run(
        [sys.executable, "-I", str(bundle / "verify_bundle.py"), str(bundle)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK")
    assert f"audit export: {shared.concern_id}" in trail_actions(web_school, AUDITOR)


def test_what_was_shared_shows_each_referrals_frozen_content_and_its_hash(
    auditor: Browser, shared: SharedCase, web_school: Safeshare
) -> None:
    page = auditor.get(f"/audit/shared/{shared.concern_id}")
    assert page.status_code == 200
    referral = web_school.views.show_referral(shared.referral_ids[0], "test reader")
    assert referral["content_sha256"] in page.text
    assert "Matches its hash" in page.text
    assert "Bruise on the left forearm" in page.text  # the frozen content, as received


def test_the_timeliness_report_is_inside_the_layout_for_auditors_and_dsls(
    app: FastAPI, web_school: Safeshare, people: People, auditor: Browser, shared: SharedCase
) -> None:
    page = auditor.get("/reports/timeliness")
    assert page.status_code == 200
    assert 'id="navigation"' in page.text
    assert "Each step against its standard" in page.text
    assert "<svg" in page.text
    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    assert dsl.get("/reports/timeliness").status_code == 200
    assert auditor.get("/reports/timeliness?from=2&to=3").status_code == 400


def test_every_page_an_auditor_opens_is_in_the_audit_trail(
    auditor: Browser, shared: SharedCase, web_school: Safeshare
) -> None:
    for path in (
        "/audit",
        "/audit/trail",
        "/audit/replay",
        "/audit/verify",
        "/audit/export",
        f"/audit/shared/{shared.concern_id}",
        "/reports/timeliness",
    ):
        assert auditor.get(path).status_code == 200, path
    seen = trail_actions(web_school, AUDITOR)
    for page in (
        "start",
        "audit trail",
        "replay",
        "verify",
        "export",
        "what was shared",
        "timeliness",
    ):
        assert f"audit page: {page}" in seen, page
