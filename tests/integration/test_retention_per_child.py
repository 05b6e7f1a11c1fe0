"""Retention per child. Principle Record: "The information should not be kept any longer than
is necessary ... there should be a review process scheduled at regular intervals". The review
falls due at the 25th birthday, found without the date of birth at rest in plain text; a review
whose outcome is erasure erases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.child import Child
from domain.errors import PolicyRefusal
from safeshare.adapters.sealing import ERASED
from safeshare.services.school import Safeshare
from tests.support import FakeClock


def register_aged(school: Safeshare, years: int, days: int = 0) -> str:
    today = school.ctx.clock().date()
    dob = date(today.year - years, today.month, min(today.day, 28)) - timedelta(days=days)
    return str(school.children.register("Retained Child", dob.isoformat(), by="Office"))


def test_a_childs_file_falls_due_for_review_at_the_25th_birthday(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    adult = register_aged(school, 25, days=1)
    younger = register_aged(school, 24)
    assert school.retention.sweep() == [school.ctx.child(adult).id]
    assert school.retention.due() == [adult]
    assert school.retention.sweep() == [], "noted once"
    clock.advance(days=366)
    assert school.retention.sweep() == [school.ctx.child(younger).id]
    due = school.app.get(school.ctx.child(adult).id, Child)
    last = list(school.app.events.get(due.id))[-1]
    assert isinstance(last, Child.RetentionReviewDue)
    assert not hasattr(last, "date_of_birth") and not hasattr(last, "due_on")


def test_keeping_a_file_sets_the_next_review_and_it_falls_due_then(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    adult = register_aged(school, 26)
    school.retention.sweep()
    next_review = (clock().date() + timedelta(days=365)).isoformat()
    kept = school.retention.review(adult, "keep", "Ongoing civil case", "DSL", next_review)
    assert kept.next_review == next_review and school.retention.due() == []
    assert school.retention.sweep() == []
    clock.advance(days=366)
    assert school.retention.due() == [] and len(school.retention.sweep()) == 1


def test_a_review_whose_outcome_is_erasure_erases_the_childs_file(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    adult = register_aged(school, 30)
    concern = str(
        school.concerns.raise_concern(
            adult, "neglect", "Old matter", (clock() - timedelta(days=1)).isoformat(), "T"
        )
    )
    with pytest.raises(PolicyRefusal, match="reviewed per child"):
        school.concerns.review_retention(concern, "erase", "No longer needed", "DSL")
    result = school.retention.review(adult, "erase", "Retention period ended", "DSL")
    assert result.erased_concerns == [concern]
    shown = school.views.show_concern(concern, "DSL")["concern"]
    assert shown["facts"] == ERASED and shown["child_data_erased"] is True
    assert not school.ctx.sealer.has_key(school.ctx.child(adult).id)


def test_the_worklist_shows_a_childs_file_due_for_review_until_it_is_reviewed(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    adult = register_aged(school, 26)

    def due() -> list[object]:
        return [i["child_id"] for i in school.views.worklist() if i.get("child_id")]

    assert due() == []
    school.retention.sweep()
    assert due() == [adult]
    nxt = (clock().date() + timedelta(days=365)).isoformat()
    school.retention.review(adult, "keep", "Civil case", "DSL", nxt)
    assert due() == []
