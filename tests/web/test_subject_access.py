"""A subject access request (UK GDPR Art. 15): the DSL exports one child's record as readable
HTML, third parties redacted, a concern withheld under an exemption the DSL chose; the
decisions and the export are recorded in the audit trail."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi import FastAPI
from pypdf import PdfReader

from domain.access import AccessLog
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.audit_support import SharedCase, make_shared_case
from tests.web.conftest import People
from tests.web.support import Browser, raise_concern


@pytest.fixture
def shared(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> SharedCase:
    web_school.children.record_person(
        child_id, "step-parent", "Gary Walsh", "test set-up", lives_with_child=True
    )
    return make_shared_case(app, web_school, people, child_id, clock)


@pytest.fixture
def dsl(app: FastAPI, web_school: Safeshare, people: People) -> Browser:
    b = Browser(app, web_school)
    b.sign_in(people.dsl)
    return b


def second_concern(app: FastAPI, school: Safeshare, people: People, child_id: str) -> str:
    staff = Browser(app, school)
    staff.sign_in(people.staff)
    return raise_concern(
        staff,
        child_id,
        facts="Said Gary Walsh locks him out at night; Mrs Peters next door saw it.",
    )


def test_the_dsl_exports_the_childs_record_redacted_with_a_concern_withheld_and_it_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, shared: SharedCase, dsl: Browser
) -> None:
    withheld = second_concern(app, web_school, people, shared.child_id)
    form = dsl.get(f"/children/{shared.child_id}/subject-access")
    assert form.status_code == 200
    r = dsl.post(
        f"/children/{shared.child_id}/subject-access",
        {
            "requester": "parent",
            f"decision-{shared.concern_id}": "disclose",
            f"decision-{withheld}": "serious-harm",
            "redact": "Mrs Peters",
            "format": "html",
        },
    )
    assert r.status_code == 200, r.text[:800]
    assert r.headers["content-disposition"].startswith("attachment")
    html = r.text
    assert "Bruise on the left forearm" in html
    assert "He grabbed my arm" in html  # the child's own words are the child's data
    assert "locks him out" not in html  # withheld
    assert "Gary Walsh" not in html and "Mrs Peters" not in html
    assert "Step parent" in html  # by relationship only
    assert withheld[:8] in html and "serious harm" in html
    agency = web_school.views.show_referral(shared.referral_ids[0], "test reader")["agency_id"]
    assert f"<td>{agency}</td>" in html  # shared with whom
    log = web_school.app.get(AccessLog.create_id(uuid.UUID(shared.child_id)), AccessLog)
    actions = [getattr(e, "action", "") for e in web_school.app.events.get(log.id)]
    exports = [a for a in actions if "subject access export" in a]
    assert len(exports) == 1
    assert "requester=parent" in exports[0]
    assert f"{uuid.UUID(shared.concern_id).hex[:8]}=disclose" in exports[0]
    assert f"{uuid.UUID(withheld).hex[:8]}=serious-harm" in exports[0]


def test_the_export_as_a_pdf_opens_and_holds_the_childs_record_but_no_third_party(
    app: FastAPI, web_school: Safeshare, people: People, shared: SharedCase, dsl: Browser
) -> None:
    second = second_concern(app, web_school, people, shared.child_id)
    dsl.get(f"/children/{shared.child_id}/subject-access")
    r = dsl.post(
        f"/children/{shared.child_id}/subject-access",
        {
            "requester": "child",
            f"decision-{shared.concern_id}": "disclose",
            f"decision-{second}": "disclose",
            "redact": "Mrs Peters",
            "format": "pdf",
        },
    )
    assert r.status_code == 200, r.text[:800]
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].endswith('subject-access-export.pdf"')
    pdf = PdfReader(io.BytesIO(r.content))
    assert pdf.metadata is not None and pdf.metadata.title == "Subject access export"
    words = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "The safeguarding record of Ben Walsh" in words
    assert "Bruise on the left forearm" in words
    assert "He grabbed my arm" in words  # the child's own words
    assert "locks him out at night" in words  # the second concern, disclosed
    assert "[redacted: third party]" in words
    assert "Gary" not in words and "Peters" not in words
    assert "Step parent" in words
    log = web_school.app.get(AccessLog.create_id(uuid.UUID(shared.child_id)), AccessLog)
    actions = [getattr(e, "action", "") for e in web_school.app.events.get(log.id)]
    assert [a for a in actions if "subject access export" in a and "format=pdf" in a]


def test_a_missing_decision_or_an_exemption_that_does_not_apply_is_named(
    web_school: Safeshare, shared: SharedCase, dsl: Browser
) -> None:
    dsl.get(f"/children/{shared.child_id}/subject-access")
    r = dsl.post(
        f"/children/{shared.child_id}/subject-access",
        {
            "requester": "child",
            f"decision-{shared.concern_id}": "child-abuse-data",
            "format": "pdf",
        },
    )
    assert r.status_code == 400
    assert "applies to a parent&#39;s request" in r.text
    assert "<title>Error:" in r.text
    r = dsl.post(f"/children/{shared.child_id}/subject-access", {"requester": "nobody"})
    assert r.status_code == 400
    assert "Choose who made the request" in r.text
    r = dsl.post(
        f"/children/{shared.child_id}/subject-access",
        {"requester": "child", f"decision-{shared.concern_id}": "disclose", "format": "docx"},
    )
    assert r.status_code == 400
    assert "Choose PDF or HTML" in r.text


@pytest.mark.parametrize("role", ["staff", "auditor", "admin"])
def test_only_a_dsl_answers_a_subject_access_request(
    app: FastAPI, web_school: Safeshare, people: People, shared: SharedCase, role: str
) -> None:
    b = Browser(app, web_school)
    b.sign_in(getattr(people, role))
    assert b.get(f"/children/{shared.child_id}/subject-access").status_code == 403
