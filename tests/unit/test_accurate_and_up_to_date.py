"""Principle Accurate: "Information should be accurate and up to date". Facts are corrected or
added to by a recorded amendment (who, when, why); the original stays visible as superseded."""

from __future__ import annotations

import pytest

from domain.codes import ConsentFrom
from domain.errors import PolicyRefusal
from tests.unit.concern_builders import a_concern, sealed, to


def test_a_correction_replaces_the_facts_and_keeps_the_original_as_superseded() -> None:
    c = a_concern()
    original = c.facts
    c.correct_facts(sealed("corrected"), sealed("the bruise was on the left arm"), "DSL")
    assert c.facts == sealed("corrected")
    [amendment] = c.fact_amendments
    assert amendment.kind == "correction" and amendment.superseded == original
    assert amendment.recorded_by == "DSL"


def test_an_addendum_adds_to_the_facts_without_replacing_them() -> None:
    c = a_concern()
    original = c.facts
    c.add_to_facts(sealed("addendum"), sealed("the child said more on Monday"), "DSL")
    assert c.facts == original
    assert [a.text for a in c.addenda] == [sealed("addendum")]


def test_a_correction_without_its_reason_is_refused_and_records_nothing() -> None:
    c = a_concern()
    before = c.version, len(c.pending_events)
    with pytest.raises(PolicyRefusal) as caught:
        c.correct_facts(sealed("corrected"), None, "DSL")
    assert caught.value.rule == "accurate"
    assert (c.version, len(c.pending_events)) == before and c.fact_amendments == []


def test_a_correction_after_a_share_does_not_change_what_was_decided() -> None:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    decided = c.decisions[-1]
    c.correct_facts(sealed("corrected"), sealed("why"), "DSL")
    assert c.decisions[-1] == decided
