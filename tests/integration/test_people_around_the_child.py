"""The people around the child: parents and carers, the household, siblings and other
professionals, sealed with the child's key, carried in a referral only where the recipient's
profile needs them (principle Necessary and proportionate)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.child import Child
from domain.errors import InvalidValue
from domain.sealed import Sealed
from safeshare.services.school import Safeshare
from tests.integration.test_referral_packet import share_canary_case


def hours_ago(school: Safeshare, hours: int) -> str:
    return (school.ctx.clock() - timedelta(hours=hours)).isoformat()


def born(school: Safeshare) -> str:
    return (school.ctx.clock() - timedelta(days=9 * 365)).date().isoformat()


def household_of(school: Safeshare, rid: str) -> dict[str, object]:
    content = school.views.show_referral(rid, "DSL")["packet"]["document"]["content"]
    assert isinstance(content, dict)
    return content


def record_family(school: Safeshare, child_id: str) -> None:
    kids = school.children
    kids.record_person(
        child_id,
        "mother",
        "Mary Quixote",
        "DSL",
        parental_responsibility=True,
        lives_with_child=True,
    )
    kids.record_person(child_id, "step-parent", "Sam Stepfather", "DSL", lives_with_child=True)
    kids.record_person(child_id, "sibling", "Tom Quixote", "DSL", note="aged 4")
    kids.record_person(
        child_id, "health-visitor", "Hana Visitor", "DSL", organisation="Community NHS Trust"
    )


def test_a_mash_packet_carries_the_household_and_the_professionals(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    child_id = str(school.children.register("Zed Quixote", born(school), by="Office"))
    record_family(school, child_id)
    concern = str(
        school.concerns.raise_concern(
            child_id, "neglect", "No food at home.", hours_ago(school, 2), "Ms T"
        )
    )
    school.concerns.record_consent(concern, "given", "DSL", from_whom="parent")
    result = school.concerns.decide(concern, True, "Neglect", "DSL", purpose="Help", to=["mash"])
    content = household_of(school, str(result.referral_ids[0]))
    household = content["household"]
    assert isinstance(household, list)
    assert {"name": "Mary Quixote", "relationship": "Mother"} | {
        "note": "parental responsibility; lives with the child"
    } in household
    assert [m["name"] for m in household] == ["Mary Quixote", "Sam Stepfather", "Tom Quixote"]
    professionals = content["professionals"]
    assert isinstance(professionals, list)
    assert professionals == [
        {
            "name": "Hana Visitor",
            "role": "Health visitor",
            "organisation": "Community NHS Trust",
            "contact": None,
        }
    ]


def test_the_police_get_the_household_but_not_the_other_professionals(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    (rid,) = share_canary_case(school, ["police"])
    child_id = str(school.packets.referral(rid).child_id)
    record_family(school, child_id)
    concern = str(school.packets.referral(rid).concern_id)
    again = school.concerns.decide(concern, True, "Again", "DSL", purpose="Update", to=["police"])
    content = household_of(school, str(again.referral_ids[0]))
    assert len(content["household"]) == 3  # type: ignore[arg-type]
    assert "professionals" not in content


def test_the_people_around_the_child_are_sealed_and_parental_responsibility_fits(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    child_id = str(school.children.register("Zed Quixote", born(school), by="Office"))
    with pytest.raises(InvalidValue, match="parental-responsibility"):
        school.children.record_person(
            child_id, "sibling", "Tom", "DSL", parental_responsibility=True
        )
    with pytest.raises(InvalidValue, match="relationship"):
        school.children.record_person(child_id, "neighbour", "Ann", "DSL")
    record_family(school, child_id)
    child = school.app.get(school.ctx.child(child_id).id, Child)
    assert all(isinstance(p.name, Sealed) for p in child.people.values())
    people = school.children.people(child_id)
    assert [p.relationship for p in people][:2] == ["mother", "step-parent"]
    school.children.remove_person(child_id, people[1].person_id, "moved out", "DSL")
    assert len(school.children.people(child_id)) == 3
