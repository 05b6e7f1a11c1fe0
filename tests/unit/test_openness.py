"""Being open: advice sought without naming the child where possible (golden rule 3), and the
family told from the outset (golden rule 2). Refusals name the rule and record nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.concern import Concern
from domain.errors import PolicyRefusal
from tests.unit.concern_builders import a_concern, sealed


def refused(c: Concern, command: Callable[[], object], rule: str) -> None:
    before = (len(c.pending_events), c.version)
    with pytest.raises(PolicyRefusal) as caught:
        command()
    assert caught.value.rule == rule
    assert (len(c.pending_events), c.version) == before, "a refused command recorded something"


def test_advice_is_sought_anonymised_by_default() -> None:
    c = a_concern()
    c.seek_advice("LA adviser", sealed("question"), None, "DSL")
    assert c.advice[-1].child_identified is False
    assert c.advice[-1].identified_reason is None


def test_naming_the_child_to_an_adviser_needs_a_recorded_reason() -> None:
    c = a_concern()
    refused(
        c,
        lambda: c.seek_advice("GP", sealed("question"), None, "DSL", child_identified=True),
        "golden rule 3",
    )
    why = sealed("the GP needed to check her own records")
    c.seek_advice("GP", sealed("question"), None, "DSL", True, why)
    assert c.advice[-1].child_identified and c.advice[-1].identified_reason == why


def test_the_family_can_be_told_at_the_outset_before_any_decision() -> None:
    c = a_concern()
    account = sealed("told mother we may share with MASH to get early help")
    c.record_family_told_at_outset(account, "DSL")
    assert c.decisions == []
    assert c.family_told_at_outset is True and c.family_outset_account == account


def test_telling_the_family_at_the_outset_records_what_why_and_with_whom() -> None:
    c = a_concern()
    refused(c, lambda: c.record_family_told_at_outset(None, "DSL"), "golden rule 2")


def test_not_telling_the_family_at_the_outset_needs_the_reason_it_was_unsafe() -> None:
    c = a_concern()
    refused(c, lambda: c.record_family_not_told_at_outset(None, "DSL"), "golden rule 2")
    c.record_family_not_told_at_outset(sealed("the stepfather is the alleged abuser"), "DSL")
    assert c.family_told_at_outset is False
