"""The policy's "when" flowchart, row by row (shared/scenarios/when-to-share.md).

Each test records the case through the Concern's own commands, so the outcome, the step that
decided it and the reasons are those the record keeps.
"""

from __future__ import annotations

import pytest

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
from domain.policy import SharingQuestion, when_to_share
from tests.unit.concern_builders import a_concern, anonymised, sealed, to


def with_basis(c: Concern) -> Concern:
    c.record_lawful_basis(
        Article6Basis.PUBLIC_TASK, Article9Condition.SAFEGUARDING, sealed("basis"), "DSL"
    )
    return c


def pending_count(c: Concern) -> int:
    return len(c.pending_events)


def test_row1_no_clear_and_legitimate_purpose_is_not_shared_and_says_so() -> None:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    before = pending_count(c)
    with pytest.raises(PolicyRefusal, match="clear and legitimate purpose"):
        c.decide_to_share(None, [to()], sealed("reasons"), "DSL")
    assert pending_count(c) == before
    c.decide_not_to_share(sealed("reasons"), "DSL")
    assert c.decisions[-1].share is False
    assert c.decisions[-1].decided_at_step == FlowchartStep.PURPOSE.value
    assert c.decisions[-1].reasons == sealed("reasons")


def test_row2_consent_given_is_shared_and_decided_at_consent() -> None:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    referrals = c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert len(referrals) == 1
    assert c.decisions[-1].decided_at_step == FlowchartStep.CONSENT.value
    assert c.decisions[-1].path == ("purpose: yes", "consent: yes")


def test_row3_consent_refused_but_information_does_not_identify_the_child_is_shared() -> None:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    c.decide_to_share(
        sealed("purpose"),
        [anonymised()],
        sealed("reasons"),
        "DSL",
        identifiable=False,
        redacted_facts=sealed("redacted facts"),
        redacted_opinion=sealed("redacted opinion"),
    )
    assert c.decisions[-1].decided_at_step == FlowchartStep.IDENTIFIABLE.value


def test_row3_an_anonymised_share_may_not_carry_the_childs_name() -> None:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    with pytest.raises(PolicyRefusal, match="child-name"):
        c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL", identifiable=False)


def test_row4_consent_refused_with_a_lawful_basis_is_shared_at_lawful_basis() -> None:
    c = with_basis(a_concern())
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions[-1].decided_at_step == FlowchartStep.LAWFUL_BASIS.value


def test_row5_consent_refused_and_no_lawful_basis_is_not_shared_and_reasons_are_recorded() -> None:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    with pytest.raises(PolicyRefusal, match="no consent and no lawful reason"):
        c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions == []
    c.decide_not_to_share(sealed("reasons"), "DSL", purpose=sealed("purpose"))
    decision = c.decisions[-1]
    assert decision.share is False
    assert decision.decided_at_step == FlowchartStep.LAWFUL_BASIS.value
    assert decision.reasons == sealed("reasons")


def test_row6_consent_withdrawn_after_a_share_blocks_new_sharing_but_the_sent_referral_stays() -> (
    None
):
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    sent = c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    c.record_consent_withdrawn(None, None, "DSL")
    with pytest.raises(PolicyRefusal, match="lawful-basis"):
        c.decide_to_share(sealed("purpose"), [to("police", AgencyKind.POLICE)], sealed("r"), "DSL")
    assert len(c.decisions) == 1 and c.decisions[0].share is True
    assert sent[0].concern_id == c.id
    assert c.consent.status is ConsentStatus.WITHDRAWN


def test_row7_consent_withdrawn_with_a_lawful_basis_is_shared_at_lawful_basis() -> None:
    c = with_basis(a_concern())
    c.record_consent_given(ConsentFrom.CHILD, [], "DSL")
    c.record_consent_withdrawn(None, None, "DSL")
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions[-1].decided_at_step == FlowchartStep.LAWFUL_BASIS.value


@pytest.mark.parametrize("reason", list(NotSoughtReason))
def test_row8_consent_not_sought_for_a_recorded_reason_with_a_basis_is_shared(
    reason: NotSoughtReason,
) -> None:
    c = with_basis(a_concern(immediate_risk=reason is NotSoughtReason.DELAY))
    c.record_consent_not_sought(reason, None, "DSL")
    police = to("police", AgencyKind.POLICE)
    c.decide_to_share(sealed("purpose"), [to(), police], sealed("reasons"), "DSL")
    assert c.consent.not_sought_reason is reason
    assert c.decisions[-1].decided_at_step == FlowchartStep.LAWFUL_BASIS.value


def test_row9_consent_not_sought_without_a_reason_is_refused_as_a_command() -> None:
    c = a_concern()
    before = pending_count(c)
    with pytest.raises(PolicyRefusal, match="consent not sought needs a reason"):
        c.record_consent_not_sought(None, None, "DSL")
    assert pending_count(c) == before
    assert c.consent.status is ConsentStatus.NONE


def test_row10_consent_sought_with_no_answer_does_not_delay_protection() -> None:
    c = with_basis(a_concern())
    c.seek_consent(ConsentFrom.PARENT, "DSL")
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions[-1].path[1] == "consent: no (sought)"
    assert c.decisions[-1].decided_at_step == FlowchartStep.LAWFUL_BASIS.value


def test_row11_consent_given_but_recipient_outside_its_scope_is_not_shared_to_that_recipient() -> (
    None
):
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, ["mash"], "DSL")
    with pytest.raises(PolicyRefusal, match="sharing with nspcc is not allowed"):
        c.decide_to_share(
            sealed("purpose"), [to(), to("nspcc", AgencyKind.NSPCC)], sealed("reasons"), "DSL"
        )
    assert c.decisions == []
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions[-1].decided_at_step == FlowchartStep.CONSENT.value


@pytest.mark.parametrize(
    ("question", "share", "step"),
    [
        (SharingQuestion(False, ConsentStatus.GIVEN, True, True, True), False, "purpose"),
        (SharingQuestion(True, ConsentStatus.GIVEN, True, True, False), True, "consent"),
        (SharingQuestion(True, ConsentStatus.REFUSED, True, False, False), True, "identifiable"),
        (SharingQuestion(True, ConsentStatus.REFUSED, True, True, True), True, "lawful-basis"),
        (SharingQuestion(True, ConsentStatus.REFUSED, True, True, False), False, "lawful-basis"),
        (SharingQuestion(True, ConsentStatus.WITHDRAWN, True, True, False), False, "lawful-basis"),
        (SharingQuestion(True, ConsentStatus.GIVEN, False, True, False), False, "lawful-basis"),
    ],
)
def test_the_flowchart_names_the_question_that_decided(
    question: SharingQuestion, share: bool, step: str
) -> None:
    answer = when_to_share(question)
    assert (answer.share, answer.decided_at.value) == (share, step)
