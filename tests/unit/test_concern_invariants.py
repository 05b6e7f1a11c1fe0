"""Each principle the Concern enforces: refused with the rule named, and nothing recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.codes import (
    AgencyKind,
    Article6Basis,
    Article9Condition,
    ConsentFrom,
    RetentionOutcome,
)
from domain.concern import Concern
from domain.errors import ChildErased, ConcernClosed, PolicyRefusal
from domain.packet_fields import PacketField
from tests.unit.concern_builders import EVERYTHING, a_concern, sealed, to


def refused(c: Concern, command: Callable[[], object], match: str) -> PolicyRefusal:
    before = (len(c.pending_events), c.version)
    with pytest.raises(PolicyRefusal, match=match) as caught:
        command()
    assert (len(c.pending_events), c.version) == before, "a refused command recorded something"
    return caught.value


def shareable() -> Concern:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    return c


def test_a_decision_to_share_without_reasons_is_refused_golden_rule_7() -> None:
    c = shareable()
    e = refused(c, lambda: c.decide_to_share(sealed("p"), [to()], None, "DSL"), "needs reasons")
    assert e.rule == "golden rule 7"


def test_a_decision_not_to_share_without_reasons_is_refused_too() -> None:
    c = a_concern()
    refused(c, lambda: c.decide_not_to_share(None, "DSL"), "whether it is to share or not")


def test_sharing_without_consent_and_without_a_lawful_basis_is_refused() -> None:
    c = a_concern()
    e = refused(
        c,
        lambda: c.decide_to_share(sealed("p"), [to()], sealed("r"), "DSL"),
        "record consent or a lawful basis",
    )
    assert e.rule == "when: lawful-basis"


def test_immediate_risk_shared_without_the_police_needs_a_reason() -> None:
    c = a_concern(immediate_risk=True)
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    refused(
        c,
        lambda: c.decide_to_share(sealed("p"), [to()], sealed("r"), "DSL"),
        "police must be among the recipients",
    )
    c.decide_to_share(
        sealed("p"), [to()], sealed("r"), "DSL", police_not_told_reason=sealed("police-already")
    )
    assert c.decisions[-1].police_not_told_reason == sealed("police-already")


def test_crime_suspected_shared_with_the_police_is_urgent_and_allowed() -> None:
    c = a_concern(crime_suspected=True)
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    referrals = c.decide_to_share(
        sealed("p"), [to("police", AgencyKind.POLICE)], sealed("r"), "DSL"
    )
    assert referrals[0].urgent is True


def test_a_field_the_recipients_profile_does_not_need_is_refused_unless_the_dsl_says_why() -> None:
    c = shareable()
    narrow = frozenset({PacketField.FACTS, PacketField.CATEGORY})
    e = refused(
        c,
        lambda: c.decide_to_share(
            sealed("p"), [to(fields=EVERYTHING, profile=narrow)], sealed("r"), "DSL"
        ),
        "Only information that is relevant",
    )
    assert e.rule == "relevant"
    c.decide_to_share(
        sealed("p"),
        [to(fields=narrow | {PacketField.CHILD_NAME}, profile=narrow, widening=sealed("why"))],
        sealed("r"),
        "DSL",
    )
    assert PacketField.CHILD_NAME in c.decisions[-1].recipients[0].fields


def test_a_share_without_the_facts_is_not_adequate() -> None:
    c = shareable()
    no_facts = EVERYTHING - {PacketField.FACTS}
    refused(
        c,
        lambda: c.decide_to_share(sealed("p"), [to(fields=no_facts)], sealed("r"), "DSL"),
        "adequate for its purpose",
    )


def test_consent_can_only_be_withdrawn_after_it_was_given() -> None:
    c = a_concern()
    refused(c, lambda: c.record_consent_withdrawn(None, None, "DSL"), "after it was given")


def test_a_lawful_basis_needs_the_dsls_justification() -> None:
    c = a_concern()
    refused(
        c,
        lambda: c.record_lawful_basis(Article6Basis.PUBLIC_TASK, None, None, "DSL"),
        "justification",
    )


def test_not_telling_the_family_needs_a_reason() -> None:
    c = a_concern()
    refused(c, lambda: c.record_family_not_informed(None, "DSL"), "needs a reason")


def test_an_erased_childs_concern_takes_only_retention_reviews() -> None:
    c = a_concern()
    c.record_child_data_erased("DSL")
    with pytest.raises(ChildErased):
        c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    with pytest.raises(ChildErased):
        c.decide_not_to_share(sealed("r"), "DSL")
    c.review_retention(RetentionOutcome.ERASE, "personal data erased", None, "DSL")
    assert c.retention_outcome is RetentionOutcome.ERASE


def test_a_closed_concern_takes_no_more_casework() -> None:
    c = a_concern()
    c.close("resolved", "DSL")
    with pytest.raises(ConcernClosed):
        c.record_lawful_basis(
            Article6Basis.PUBLIC_TASK, Article9Condition.SAFEGUARDING, sealed("j"), "DSL"
        )


def test_keeping_a_record_needs_a_next_review_date() -> None:
    c = a_concern()
    refused(
        c,
        lambda: c.review_retention(RetentionOutcome.KEEP, "still relevant", None, "DSL"),
        "next review date",
    )


def test_opinion_is_held_apart_from_fact() -> None:
    c = a_concern()
    assert c.facts.field == "facts" and c.opinion is not None and c.opinion.field == "opinion"
    assert c.facts != c.opinion
