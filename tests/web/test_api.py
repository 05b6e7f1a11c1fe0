"""The JSON API as the school's MIS and a trust's tooling use it: the same commands and reads
as the pages, a token per account, errors as problem+json naming the field or the rule, and
every read of a case recorded."""

from __future__ import annotations

import uuid
import warnings

from fastapi import FastAPI

from domain.access import AccessLog
from safeshare.services.school import Safeshare
from tests.support import FakeClock
from tests.web.api_support import ApiClient, raise_via_api, token_for
from tests.web.conftest import People


def access_entries(school: Safeshare, record_id: str) -> list[tuple[str, str]]:
    log = school.app.find(AccessLog.create_id(uuid.UUID(record_id)), AccessLog)
    if log is None:
        return []
    return [
        (getattr(e, "viewer", ""), getattr(e, "action", ""))
        for e in school.app.events.get(log.id)
        if hasattr(e, "viewer")
    ]


def test_staff_raise_a_concern_and_the_dsl_takes_it_through_the_flowchart_to_a_referral(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = ApiClient(app, token_for(web_school, people.staff))
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    concern_id = raise_via_api(staff, web_school, child_id, child_words="He grabbed me")

    case = dsl.get(f"/concerns/{concern_id}")
    assert case.status_code == 200, case.text
    assert case.json()["child_words"] == "He grabbed me"
    assert case.json()["raised_by"] == "Ms Green <green@school.test>"

    r = dsl.post(
        f"/concerns/{concern_id}/consent",
        {"status": "not-sought", "reason": "risk-to-child"},
    )
    assert r.status_code == 200, r.text
    r = dsl.post(
        f"/concerns/{concern_id}/advice",
        {"from_whom": "MASH consultation line", "question": "Is this a referral?"},
    )
    assert r.status_code == 200, r.text
    r = dsl.post(
        f"/concerns/{concern_id}/lawful-basis",
        {
            "article6": "public-task",
            "article9": "safeguarding",
            "justification": "Telling the family first would put Ben at risk of harm.",
        },
    )
    assert r.status_code == 200, r.text
    agencies = [a["agency_id"] for a in web_school.agencies.entries()]
    r = dsl.post(
        f"/concerns/{concern_id}/decision",
        {
            "share": True,
            "reasons": "Injury with a disclosure naming an adult at home.",
            "purpose": "To protect Ben from significant harm",
            "to": agencies[:1],
        },
    )
    assert r.status_code == 200, r.text
    referral_ids = r.json()["referral_ids"]
    assert len(referral_ids) == 1

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the case's records serialise as their own schemas
        decided = dsl.get(f"/concerns/{concern_id}").json()
    assert decided["advice"][0]["from"] == "MASH consultation line"
    assert "from_" not in decided["advice"][0]
    assert decided["consent"]["status"] == "not-sought"
    assert decided["lawful_basis"]["article6"] == "public-task"
    assert decided["decisions"][0]["share"] is True
    assert decided["decisions"][0]["recipients"][0]["agency_id"] == agencies[0]
    assert decided["referrals"][0]["referral_id"] == referral_ids[0]

    shown = dsl.get(f"/referrals/{referral_ids[0]}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["packet"] is not None
    assert shown.json()["content_sha256"]
    assert ("Mrs Dee <dee@school.test> (api)", "concern show") in access_entries(
        web_school, concern_id
    )


def test_bad_input_is_a_422_problem_naming_the_field_and_records_nothing(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = ApiClient(app, token_for(web_school, people.staff))
    before = web_school.app.recorder.max_notification_id()
    r = staff.post(
        "/concerns", {"child_id": child_id, "category": "physical-abuse", "observed_at": "x"}
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == "facts"
    r = staff.post(
        "/concerns",
        {
            "child_id": child_id,
            "category": "physical-abuse",
            "facts": "Seen crying",
            "observed_at": "yesterday-ish",
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "observed-at"
    # Only the token uses were recorded; no concern.
    after = web_school.app.recorder.max_notification_id()
    events = web_school.app.recorder.select_notifications(start=(before or 0) + 1, limit=100)
    assert {e.topic for e in events} <= {
        "safeshare:api-token-uses:opened",
        "safeshare:api-token-uses:used",
    }
    assert after is not None


def test_a_policy_refusal_is_a_409_naming_the_rule(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = ApiClient(app, token_for(web_school, people.staff))
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    concern_id = raise_via_api(staff, web_school, child_id)
    agencies = [a["agency_id"] for a in web_school.agencies.entries()]
    r = dsl.post(
        f"/concerns/{concern_id}/decision",
        {"share": True, "reasons": "Worried.", "purpose": "Protect him", "to": agencies[:1]},
    )
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["rule"]


def test_a_case_the_account_may_not_read_is_a_404_exactly_as_a_missing_one_and_recorded(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = ApiClient(app, token_for(web_school, people.staff))
    concern_id = raise_via_api(staff, web_school, child_id)
    other = ApiClient(app, token_for(web_school, people.other_staff))
    refused = other.get(f"/concerns/{concern_id}")
    missing = other.get(f"/concerns/{uuid.uuid4()}")
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert ("Mr Brown <brown@school.test>", "refused: case page") in access_entries(
        web_school, concern_id
    )


def test_tokens_expire_and_are_revoked_and_each_use_is_recorded(
    app: FastAPI, web_school: Safeshare, people: People, clock: FakeClock
) -> None:
    from domain.api_token import ApiToken
    from domain.user import User
    from safeshare.services.api_tokens import ApiTokenService

    tokens = ApiTokenService(web_school.ctx, web_school.accounts)
    issued = tokens.issue(User.create_id(people.dsl.email), "MIS", "test set-up", days=1)
    stored = web_school.app.get(uuid.UUID(issued.token_id), ApiToken)
    assert issued.token.split("_")[-1] not in stored.digest  # only the hash is kept
    dsl = ApiClient(app, issued.token)
    assert dsl.get("/worklist").status_code == 200
    assert tokens.uses_of(web_school.app.get(uuid.UUID(issued.token_id), ApiToken)) == 1
    clock.advance(days=1, seconds=1)
    expired = dsl.get("/worklist")
    assert expired.status_code == 401
    assert expired.headers["content-type"].startswith("application/problem+json")
    fresh = tokens.issue(User.create_id(people.dsl.email), "MIS", "test set-up")
    assert ApiClient(app, fresh.token).get("/worklist").status_code == 200
    tokens.revoke(fresh.token_id, "Mr Admin <admin@school.test>")
    assert ApiClient(app, fresh.token).get("/worklist").status_code == 401
    assert ApiClient(app, fresh.token + "x").get("/worklist").status_code == 401


def test_the_nightly_roll_from_the_mis_reports_what_changed_and_only_the_whole_roll_has_leavers(
    app: FastAPI, web_school: Safeshare, people: People, clock: FakeClock
) -> None:
    admin = ApiClient(app, token_for(web_school, people.admin))
    year = clock().year - 12
    csv = (
        "UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,DOB,Year,Reg\n"
        f"B123456789012,Walsh,Benjamin,Walsh,Ben,{year}-03-04,Year 7,7A\n"
    )
    amy = f"A123456789012,Lee,Amy,,,{year + 1}-05-06,Year 6,6L\n"
    first = admin.put_csv("/roll", csv + amy)
    assert first.status_code == 200, first.text
    assert first.json()["added"] == 2
    again = admin.put_csv("/roll", csv)
    assert again.json() == {
        "added": 0,
        "already_on_roll": 1,
        "problems": [],
        "returned": 0,
        "not_in_file": 1,
        "left": 0,
    }  # one year group's file: Amy is not marked as leaving
    whole = admin.put_csv("/roll?whole_roll=true", csv)
    assert (whole.json()["not_in_file"], whole.json()["left"]) == (1, 1)
    assert admin.put_csv("/roll?whole_roll=true", csv + amy).json()["returned"] == 1


def test_the_openapi_is_published_and_names_the_bearer_scheme(app: FastAPI) -> None:
    r = ApiClient(app, None).client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert "/concerns/{concern_id}/decision" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_a_retried_post_with_the_same_idempotency_key_records_once(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    from domain.concern import Concern
    from tests.web.api_support import API, observed

    staff = ApiClient(app, token_for(web_school, people.staff))
    body = {
        "child_id": child_id,
        "category": "neglect",
        "facts": "Came in without a coat again.",
        "observed_at": observed(web_school),
    }
    headers = {**staff.headers, "Idempotency-Key": "mis-run-42"}

    def raised() -> int:
        return len(
            web_school.app.recorder.select_notifications(
                start=None, limit=10**6, topics=[Concern.Raised.TOPIC]
            )
        )

    first = staff.client.post(API + "/concerns", headers=headers, json=body)
    again = staff.client.post(API + "/concerns", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert raised() == 1
    other = staff.client.post(API + "/concerns", headers=headers, json={**body, "facts": "x"})
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"
    assert raised() == 1


def test_a_dsl_restricts_a_case_through_the_api_and_another_dsl_then_finds_nothing(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    from domain.user import User
    from tests.web.support import add_person

    deputy = add_person(web_school, "Mr Deputy", "deputy@school.test", "dsl")
    staff = ApiClient(app, token_for(web_school, people.staff))
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    concern_id = raise_via_api(staff, web_school, child_id)
    left_out = ApiClient(app, token_for(web_school, deputy))
    assert left_out.get(f"/concerns/{concern_id}").status_code == 200
    r = dsl.post(
        f"/concerns/{concern_id}/restriction",
        {"dsl_ids": [str(User.create_id(people.dsl.email))]},
    )
    assert r.status_code == 200, r.text
    assert left_out.get(f"/concerns/{concern_id}").status_code == 404
    without_self = dsl.post(
        f"/concerns/{concern_id}/restriction",
        {"dsl_ids": [str(User.create_id(deputy.email))]},
    )
    assert without_self.status_code == 422  # a DSL cannot lock themselves out
    assert without_self.json()["field"] == "dsls"


def test_a_referral_phoned_through_to_the_police_shows_the_call_in_the_api(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str, clock: FakeClock
) -> None:
    """The DSL phones the police before the packet goes: the referral read through the API
    says who took the call, when, their reference and who phoned; the stored event keeps the
    name and the reference sealed."""
    from datetime import timedelta

    from domain.referral import Referral
    from domain.sealed import Sealed
    from safeshare.services.referral_pages import record_phone_call
    from tests.web.test_referral_page import shared_with

    _, referral_id = shared_with(app, web_school, people, child_id, "police")
    dsl = ApiClient(app, token_for(web_school, people.dsl))
    before = dsl.get(f"/referrals/{referral_id}")
    assert before.status_code == 200 and before.json()["phone_call"] is None
    at = clock() - timedelta(minutes=10)
    referral = web_school.app.get(uuid.UUID(referral_id), Referral)
    record_phone_call(
        web_school.ctx, referral, "PC Shah", at, "CAD-4411", "Mrs Dee <dee@school.test> (web)"
    )
    expected = {
        "called": "PC Shah",
        "called_at": at.isoformat(),
        "reference": "CAD-4411",
        "recorded_by": "Mrs Dee <dee@school.test> (web)",
    }
    assert dsl.get(f"/referrals/{referral_id}").json()["phone_call"] == expected
    auditor = ApiClient(app, token_for(web_school, people.auditor))
    assert auditor.get(f"/referrals/{referral_id}").json()["phone_call"] == expected
    stored = [
        e
        for e in web_school.app.events.get(uuid.UUID(referral_id))
        if isinstance(e, Referral.PhonedThrough)
    ]
    assert [(type(e.called), type(e.reference)) for e in stored] == [(Sealed, Sealed)]
    schema = dsl.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(schema["PhoneCallOut"]["properties"]) == set(expected)
