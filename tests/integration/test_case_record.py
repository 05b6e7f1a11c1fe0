"""The case record through the application services, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidValue, PolicyRefusal
from safeshare.services.school import Safeshare
from tests.support import FakeClock, ago, born


def max_position(school: Safeshare) -> int:
    return school.app.recorder.max_notification_id() or 0


def a_child(school: Safeshare) -> str:
    return str(
        school.children.register("Amira Test", born(school.ctx.clock, 12), by="Office", upn="T1")
    )


def a_concern(school: Safeshare, **kwargs: bool) -> str:
    return str(
        school.concerns.raise_concern(
            a_child(school),
            "neglect",
            "No coat on three cold days.",
            ago(school.ctx.clock, hours=3),
            "Mr Jones",
            opinion="Home seems chaotic.",
            **kwargs,
        )
    )


def test_consent_refused_lawful_basis_recorded_share_prepares_one_referral_per_agency(
    school: Safeshare,
) -> None:
    cid = a_concern(school)
    school.concerns.seek_advice(cid, "LA adviser", "Refer?", "DSL", answer="Yes")
    school.concerns.record_consent(cid, "refused", "DSL", from_whom="parent")
    school.concerns.record_lawful_basis(
        cid, "public-task", "Risk of significant harm", "DSL", article9="safeguarding"
    )
    result = school.concerns.decide(
        cid, True, "Pattern of neglect", "DSL", purpose="MASH assessment", to=["mash", "nspcc"]
    )
    assert result.decided_at_step == "lawful-basis"
    assert len(result.referral_ids) == 2
    shown = school.views.show_concern(cid, "DSL")
    assert shown["concern"]["facts"] == "No coat on three cold days."
    assert shown["concern"]["opinion"] == "Home seems chaotic."
    assert [r["status"] for r in shown["referrals"]] == ["prepared", "prepared"]
    assert [e["type"] for e in shown["events"]] == [
        "raised",
        "advice-sought",
        "consent-recorded",
        "lawful-basis-recorded",
        "sharing-decided",
    ]


def test_a_refused_command_records_nothing(school: Safeshare) -> None:
    cid = a_concern(school)
    before = max_position(school)
    with pytest.raises(PolicyRefusal, match="no consent and no lawful reason"):
        school.concerns.decide(cid, True, "reasons", "DSL", purpose="p", to=["mash"])
    with pytest.raises(PolicyRefusal, match="needs reasons"):
        school.concerns.decide(cid, False, None, "DSL")
    assert max_position(school) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "bruises"}, "category"),
        ({"observed_at": "tomorrow"}, "observed-at"),
        ({"observed_at": "last tuesday"}, "observed-at"),
        ({"facts": "   "}, "facts"),
        ({"facts": "x" * 20_001}, "facts"),
        ({"child_id": "not-an-id"}, "child"),
        ({"child_id": "7b7c8d8e-0000-4000-8000-000000000000"}, "child"),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(
    sqlite_school: Safeshare, kwargs: dict[str, str], field: str
) -> None:
    school = sqlite_school
    args: dict[str, Any] = {
        "child_id": a_child(school),
        "category": "neglect",
        "facts": "facts",
        "observed_at": ago(school.ctx.clock, hours=3),
        "by": "Mr Jones",
    }
    args.update(kwargs)
    if args["observed_at"] == "tomorrow":
        args["observed_at"] = ago(school.ctx.clock, days=-1)
    before = max_position(school)
    with pytest.raises(InvalidValue) as caught:
        school.concerns.raise_concern(**args)
    assert caught.value.field == field
    assert max_position(school) == before


def test_a_concern_shows_as_it_stood_at_any_moment(school: Safeshare, clock: FakeClock) -> None:
    cid = a_concern(school)
    first = school.views.show_concern(cid, "auditor")["events"][0]["recorded_at"]
    clock.advance(minutes=5)
    school.concerns.record_consent(cid, "sought", "DSL", from_whom="parent")
    as_then = school.views.show_concern(cid, "auditor", as_of=first)
    assert [e["type"] for e in as_then["events"]] == ["raised"]
    assert as_then["concern"]["consent"]["status"] == "none"
    with pytest.raises(InvalidValue, match="did not exist yet"):
        school.views.show_concern(cid, "auditor", as_of=ago(clock, minutes=30))


def test_every_read_of_a_case_is_recorded(school: Safeshare) -> None:
    from domain.access import AccessLog

    cid = a_concern(school)
    school.views.show_concern(cid, "Ofsted inspector")
    school.views.show_concern(cid, "DSL")
    log = school.app.get(AccessLog.create_id(UUID(cid)), AccessLog)
    assert log.views == 2


def test_erasure_shows_erased_everywhere_and_blocks_casework_but_not_retention(
    school: Safeshare,
) -> None:
    cid = a_concern(school)
    child_id = school.views.show_concern(cid, "DSL")["concern"]["child"]["child_id"]
    school.children.erase(child_id, "retention-ended", "DSL")
    shown = school.views.show_concern(cid, "DSL")["concern"]
    assert shown["facts"] == "[erased]" and shown["opinion"] == "[erased]"
    assert shown["child"]["name"] == "[erased]"
    with pytest.raises(PolicyRefusal, match="erased"):
        school.concerns.record_consent(cid, "sought", "DSL", from_whom="parent")
    with pytest.raises(InvalidValue, match="erased"):
        school.concerns.raise_concern(child_id, "neglect", "f", ago(school.ctx.clock, hours=2), "X")
    with pytest.raises(InvalidValue, match="reason"):  # free text would outlive the erasure
        school.concerns.review_retention(cid, "erase", "personal data erased", "DSL")
    school.concerns.review_retention(cid, "erase", "retention-ended", "DSL")


def test_consent_withdrawn_after_sharing_keeps_what_was_sent_recorded(school: Safeshare) -> None:
    cid = a_concern(school)
    school.concerns.record_consent(cid, "given", "DSL", from_whom="parent")
    school.concerns.decide(cid, True, "agreed", "DSL", purpose="early help", to=["mash"])
    school.concerns.record_consent(cid, "withdrawn", "DSL")
    with pytest.raises(PolicyRefusal):
        school.concerns.decide(cid, True, "again", "DSL", purpose="early help", to=["nspcc"])
    shown = school.views.show_concern(cid, "DSL")
    assert shown["concern"]["consent"]["status"] == "withdrawn"
    assert len(shown["referrals"]) == 1
