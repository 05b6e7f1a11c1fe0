"""Requests for information received: "Safeguarding partners require a person or body to comply
with a request for information, as outlined in sections 16H and 14B of the Children Act 2004."
Recorded with the requester's reason, decided through the same flowchart either way, and "if
the decision is not to share ... record the reasons for this decision and discuss them with the
requester"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import PolicyRefusal
from safeshare.services.school import Safeshare


def a_concern(school: Safeshare) -> str:
    now = school.ctx.clock()
    child = school.children.register(
        "Cara Request", (now - timedelta(days=3000)).date().isoformat(), by="Office"
    )
    return str(
        school.concerns.raise_concern(
            str(child),
            "neglect",
            "Often hungry at school.",
            (now - timedelta(hours=1)).isoformat(),
            "Ms T",
        )
    )


def test_a_request_answered_no_records_the_reasons_and_the_reply_to_the_requester(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    concern = a_concern(school)
    events_before = school.app.recorder.max_notification_id()
    with pytest.raises(PolicyRefusal, match="requests for information"):
        school.requests.receive(concern, "mash", "Attendance and concerns", None, "DSL", "s16h")
    assert school.app.recorder.max_notification_id() == events_before
    rid = str(
        school.requests.receive(
            concern, "mash", "Attendance and concerns", "Multi-agency audit", "DSL", "s16h"
        )
    )
    school.concerns.record_consent(concern, "refused", "DSL", from_whom="parent")
    result = school.requests.answer(
        rid, False, "Not necessary for the audit: no identifiable data needed", "DSL"
    )
    assert result.share is False and result.referral_ids == []
    shown = school.requests.show(rid)
    assert shown["shared"] is False and shown["awaiting_reply"] is True
    assert shown["cites"] == "s16h" and shown["why"] == "Multi-agency audit"
    decision = school.views.show_concern(concern, "DSL")["concern"]["decisions"][-1]
    assert decision["share"] is False and decision["purpose"] == "Multi-agency audit"
    with pytest.raises(PolicyRefusal, match="what they were told"):
        school.requests.reply(rid, None, "DSL")
    school.requests.reply(rid, "Explained by phone why we will not share; they agreed.", "DSL")
    shown = school.requests.show(rid)
    assert shown["awaiting_reply"] is False and shown["reply"].startswith("Explained")


def test_a_request_answered_yes_is_a_referral_to_the_requester_through_the_flowchart(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    concern = a_concern(school)
    rid = str(school.requests.receive(concern, "mash", "Concerns", "Assessment", "DSL", "s16h"))
    with pytest.raises(PolicyRefusal, match="no consent and no lawful reason"):
        school.requests.answer(rid, True, "They need it", "DSL")
    assert school.requests.show(rid)["decision_no"] is None, "a refused answer records nothing"
    school.concerns.record_lawful_basis(
        concern, "public-task", "s16H request for an assessment", "DSL", article9="safeguarding"
    )
    result = school.requests.answer(rid, True, "Needed for the assessment", "DSL")
    assert result.decided_at_step == "lawful-basis"
    [referral] = result.referral_ids
    assert school.packets.referral(str(referral)).agency_id == "mash"
    assert school.requests.show(rid)["shared"] is True
    with pytest.raises(PolicyRefusal, match="already been answered"):
        school.requests.answer(rid, False, "again", "DSL")


def test_the_worklist_asks_for_the_answer_and_then_for_the_reply_to_a_refused_request(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    concern = a_concern(school)
    rid = str(school.requests.receive(concern, "mash", "Records", "Audit", "DSL", "s16h"))

    def items() -> list[str]:
        return [str(i["item"]) for i in school.views.worklist() if i["concern_id"] == concern]

    assert "request for information from mash: answer it" in items()
    school.requests.answer(rid, False, "Not necessary", "DSL")
    assert "request from mash refused: reply with the reasons" in items()
    school.requests.reply(rid, "Explained", "DSL")
    assert not [i for i in items() if "request" in i]
