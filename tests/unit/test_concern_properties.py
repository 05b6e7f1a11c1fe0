"""Any sequence of commands keeps the invariants, and a replayed concern equals the live one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.codes import (
    AgencyKind,
    Article6Basis,
    Article9Condition,
    ConsentFrom,
    ConsentStatus,
    FlowchartStep,
    NotSoughtReason,
)
from domain.concern import Concern
from domain.errors import PolicyRefusal
from domain.packet_fields import PacketField
from tests.unit.concern_builders import a_concern, sealed, to

Command = tuple[str, Any]

commands = st.lists(
    st.one_of(
        st.tuples(st.just("seek"), st.sampled_from(list(ConsentFrom))),
        st.tuples(st.just("give"), st.sampled_from([[], ["mash"], ["police"]])),
        st.tuples(st.just("refuse"), st.sampled_from(list(ConsentFrom))),
        st.tuples(st.just("withdraw"), st.none()),
        st.tuples(st.just("not-sought"), st.sampled_from([*NotSoughtReason, None])),
        st.tuples(st.just("basis"), st.sampled_from(list(Article6Basis))),
        st.tuples(st.just("share"), st.sampled_from(["mash", "police", "nspcc"])),
        st.tuples(st.just("no-share"), st.booleans()),
        st.tuples(st.just("inform"), st.booleans()),
    ),
    max_size=12,
)

KINDS = {"mash": AgencyKind.MASH, "police": AgencyKind.POLICE, "nspcc": AgencyKind.NSPCC}


def apply(c: Concern, command: Command) -> None:
    name, arg = command
    if name == "seek":
        c.seek_consent(arg, "DSL")
    elif name == "give":
        c.record_consent_given(ConsentFrom.PARENT, arg, "DSL")
    elif name == "refuse":
        c.record_consent_refused(arg, None, "DSL")
    elif name == "withdraw":
        c.record_consent_withdrawn(None, None, "DSL")
    elif name == "not-sought":
        c.record_consent_not_sought(arg, None, "DSL")
    elif name == "basis":
        c.record_lawful_basis(arg, Article9Condition.SAFEGUARDING, sealed("j"), "DSL")
    elif name == "share":
        c.decide_to_share(sealed("p"), [to(arg, KINDS[arg])], sealed("r"), "DSL")
    elif name == "no-share":
        c.decide_not_to_share(sealed("r") if arg else None, "DSL")
    elif name == "inform":
        if arg:
            c.record_family_informed("DSL")
        else:
            c.record_family_not_informed(sealed("why"), "DSL")


def replay(events: list[Any]) -> Concern:
    aggregate: Any = None
    for e in events:
        aggregate = e.mutate(aggregate)
    assert isinstance(aggregate, Concern)
    return aggregate


@settings(max_examples=150, deadline=None)
@given(commands)
def test_any_sequence_of_commands_keeps_the_policy_and_replays_to_the_same_record(
    sequence: list[Command],
) -> None:
    c = a_concern()
    for command in sequence:
        before = c.version
        try:
            apply(c, command)
        except PolicyRefusal:
            assert c.version == before
    for d in c.decisions:
        assert d.reasons is not None
        if d.share:
            assert d.purpose is not None and d.recipients
            for r in d.recipients:
                assert PacketField.FACTS in r.fields
                if r.decided_at_step is FlowchartStep.LAWFUL_BASIS:
                    assert c.lawful_basis is not None
    if c.consent.status is ConsentStatus.NOT_SOUGHT:
        assert c.consent.not_sought_reason is not None
    events = c.collect_events()
    again = replay(list(events))
    assert again.__dict__ == c.__dict__
