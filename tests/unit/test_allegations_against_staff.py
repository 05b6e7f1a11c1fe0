"""Allegations against staff (KCSIE Part 4): to the headteacher, or the chair of governors when
about the head; restricted from the person it is about and anyone they name; referred to the
LADO within one working day; another DSL opens the case only by breaking the glass, with a
recorded reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.allegations import CaseManager
from domain.codes import AgencyKind, ConsentFrom
from domain.concern import Concern
from domain.errors import PolicyRefusal
from projections.standards import Standards, Step, referral_steps
from projections.workdays import Calendar, deadline
from tests.support import FakeClock
from tests.unit.concern_builders import a_concern, sealed, to


def an_allegation(about_headteacher: bool = False) -> Concern:
    c = a_concern()
    c.record_allegation_against_staff(
        sealed("subject"),
        "mr.x@school",
        about_headteacher,
        "chair@school" if about_headteacher else "head@school",
        ["friend@school"],
        "dsl@school",
    )
    return c


def test_an_allegation_goes_to_the_headteacher_or_the_chair_when_it_is_about_the_head() -> None:
    allegation = an_allegation().allegation
    assert allegation is not None
    assert allegation.case_manager_role is CaseManager.HEADTEACHER
    about_head = an_allegation(about_headteacher=True).allegation
    assert about_head is not None
    assert about_head.case_manager_role is CaseManager.CHAIR_OF_GOVERNORS


def test_the_person_it_is_about_never_manages_it() -> None:
    c = a_concern()
    before = c.version
    with pytest.raises(PolicyRefusal, match="KCSIE part 4"):
        c.record_allegation_against_staff(
            sealed("subject"), "head@school", True, "head@school", [], "dsl@school"
        )
    assert c.version == before and c.allegation is None


def test_the_case_is_restricted_from_the_person_it_is_about_and_anyone_they_name() -> None:
    c = an_allegation()
    for who in ("mr.x@school", "friend@school"):
        with pytest.raises(PolicyRefusal, match="restricted from you"):
            c.open_restricted(who, sealed("I am a DSL too"))
    assert c.open_restricted("head@school", None) is False


def test_another_dsl_opens_a_restricted_case_only_by_breaking_the_glass_with_a_reason() -> None:
    c = an_allegation()
    before = len(c.pending_events)
    with pytest.raises(PolicyRefusal, match="breaking the glass"):
        c.open_restricted("deputy@school", None)
    assert len(c.pending_events) == before
    assert c.open_restricted("deputy@school", sealed("head is away; child at risk")) is True
    opened = c.pending_events[-1]
    assert isinstance(opened, Concern.RestrictedCaseOpened) and opened.viewer == "deputy@school"


def test_a_share_on_an_allegation_names_the_lado_or_why_not() -> None:
    c = an_allegation()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    with pytest.raises(PolicyRefusal, match="LADO"):
        c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    c.decide_to_share(sealed("purpose"), [to("lado", AgencyKind.LADO)], sealed("reasons"), "DSL")


def test_the_lado_referral_is_measured_against_one_working_day() -> None:
    cal, raised = Calendar(), FakeClock().now
    due = deadline(cal, raised, 1)
    referral = {
        "kind": "referral",
        "id": "r",
        "concern_id": "c",
        "agency_kind": "lado",
        "urgent": False,
        "raised_at": raised.isoformat(),
        "prepared_at": raised.isoformat(),
    }
    late = dict(referral, delivered_at=(due + timedelta(hours=1)).isoformat())
    (step,) = referral_steps(late, Standards(), cal)
    assert step.step is Step.LADO_REFERRAL and step.due == due and step.breached
    on_time = dict(referral, delivered_at=(raised + timedelta(minutes=30)).isoformat())
    (step,) = referral_steps(on_time, Standards(), cal)
    assert not step.breached
