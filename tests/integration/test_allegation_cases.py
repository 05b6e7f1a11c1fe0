"""Allegations against staff through the services: the case restricted from the person it is
about, broken into by another DSL only with a recorded reason that the audit trail flags, and
referred to the LADO with who it is about."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import PolicyRefusal
from projections.audit_trail import query
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare


def an_allegation(school: Safeshare) -> str:
    now = school.ctx.clock()
    child = school.children.register(
        "Alex Pupil", (now - timedelta(days=3300)).date().isoformat(), by="Office"
    )
    concern = str(
        school.concerns.raise_concern(
            str(child),
            "physical-abuse",
            "Alex said Mr X grabbed his arm hard in the corridor.",
            (now - timedelta(hours=1)).isoformat(),
            "Ms Green",
        )
    )
    school.concerns.record_allegation(
        concern, "Mr X (Year 6 teacher)", "mr.x", "Head Teacher", "DSL", named=["mr.y"]
    )
    return concern


def test_a_restricted_case_opens_only_by_breaking_the_glass_and_the_trail_flags_it(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    concern = an_allegation(school)
    for who in ("mr.x", "mr.y"):
        with pytest.raises(PolicyRefusal, match="restricted from you"):
            school.views.show_concern(concern, who, break_glass_reason="curious")
    with pytest.raises(PolicyRefusal, match="breaking the glass"):
        school.views.show_concern(concern, "Deputy DSL")
    assert school.views.show_concern(concern, "Head Teacher")["concern"]["allegation"]
    shown = school.views.show_concern(
        concern, "Deputy DSL", break_glass_reason="The head is away and the LADO is calling"
    )
    assert shown["events"][-1]["type"] == "restricted-case-opened"
    ps.catch_up(school, ["audit_trail"])
    with school.projection_db().transaction() as tx:
        rows = query(tx, record=concern, actor="Deputy DSL", names=ps.staff_names(school))
    assert [r.action for r in rows] == [
        "concern restricted-case-opened",
        "viewed: BREAK-GLASS concern show",
    ]


def test_an_allegation_is_referred_to_the_lado_with_who_it_is_about(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    concern = an_allegation(school)
    school.concerns.record_consent(concern, "not-sought", "DSL", reason="unsafe")
    school.concerns.record_lawful_basis(
        concern, "public-task", "KCSIE Part 4 referral", "DSL", article9="safeguarding"
    )
    with pytest.raises(PolicyRefusal, match="LADO"):
        school.concerns.decide(concern, True, "Allegation", "DSL", purpose="p", to=["mash"])
    result = school.concerns.decide(
        concern, True, "Allegation of harm by staff", "DSL", purpose="LADO referral", to=["lado"]
    )
    sent = school.views.show_referral(str(result.referral_ids[0]), "Head Teacher")["packet"]
    allegation = sent["document"]["content"]["allegation"]
    assert allegation["about"] == "Mr X (Year 6 teacher)"
    assert allegation["case_manager_role"] == "headteacher"
    assert "household" not in sent["document"]["content"]
