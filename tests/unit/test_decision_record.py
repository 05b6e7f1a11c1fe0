"""Golden rule 7, "Keep a record of your decision and the reasons for it": what the record of
one decision keeps, for every recipient, and that its events stay readable after moving."""

from __future__ import annotations

import pytest
from eventsourcing.utils import resolve_topic

from domain import concern_events
from domain.codes import AgencyKind, Article6Basis, Article9Condition, ConsentFrom, FlowchartStep
from domain.concern import Concern
from tests.unit.concern_builders import a_concern, sealed, to


def test_each_recipient_keeps_its_own_flowchart_path_not_only_the_last() -> None:
    c = a_concern(immediate_risk=True)
    c.record_consent_given(ConsentFrom.PARENT, ["mash"], "DSL")
    c.record_lawful_basis(
        Article6Basis.PUBLIC_TASK, Article9Condition.SAFEGUARDING, sealed("basis"), "DSL"
    )
    c.decide_to_share(
        sealed("purpose"),
        [to("police", AgencyKind.POLICE), to("mash"), to("nspcc", AgencyKind.NSPCC)],
        sealed("reasons"),
        "DSL",
    )
    decision = c.decisions[-1]
    mash, police = decision.recipient("mash"), decision.recipient("police")
    assert mash is not None and police is not None
    assert mash.decided_at_step is FlowchartStep.CONSENT
    assert mash.path == ("purpose: yes", "consent: yes")
    assert police.decided_at_step is FlowchartStep.LAWFUL_BASIS
    assert police.path[-1] == "lawful reason without consent: yes"
    assert decision.decided_at_step is FlowchartStep.LAWFUL_BASIS
    assert decision.path == police.path, "the decision's path is the one that went furthest"


def test_a_replayed_decision_is_the_same_value_object() -> None:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    events = c.collect_events()
    again: Concern | None = None
    for e in events:
        again = e.mutate(again)
    assert again is not None and again.decisions == c.decisions


@pytest.mark.parametrize(
    "name",
    [
        "Raised",
        "AdviceSought",
        "ConsentRecorded",
        "LawfulBasisRecorded",
        "SharingDecided",
        "FamilyInformed",
        "RetentionReviewed",
        "ChildDataErased",
        "Closed",
    ],
)
def test_moving_the_events_to_their_own_module_orphans_no_stored_event(name: str) -> None:
    declared = getattr(concern_events, name).TOPIC
    assert declared.startswith("safeshare:concern:")
    assert resolve_topic(declared) is getattr(Concern, name)
