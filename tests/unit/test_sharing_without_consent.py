"""Sharing without consent, as the policy allows it and no further (issue 12, holes 1-4).

"Under the GDPR and Data Protection Act 2018 you may share information without consent if, in
your judgement, there is a lawful basis to do so." Each refusal names the rule and records
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

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
from domain.referral import Referral, ReferralStatus
from tests.unit.concern_builders import a_concern, sealed, to


def refused(c: Concern, command: Callable[[], object], rule: str) -> None:
    before = (len(c.pending_events), c.version)
    with pytest.raises(PolicyRefusal) as caught:
        command()
    assert caught.value.rule == rule
    assert (len(c.pending_events), c.version) == before, "a refused command recorded something"


def safeguarding_basis(c: Concern) -> None:
    c.record_lawful_basis(
        Article6Basis.PUBLIC_TASK, Article9Condition.SAFEGUARDING, sealed("basis"), "DSL"
    )


# -- 1. consent is not the reason to share without consent ----------------------------------


def test_consent_is_not_a_lawful_basis_for_sharing_without_consent() -> None:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    refused(
        c,
        lambda: c.record_lawful_basis(
            Article6Basis.CONSENT, Article9Condition.SAFEGUARDING, sealed("j"), "DSL"
        ),
        "golden rule 4",
    )
    assert c.lawful_basis is None


def test_explicit_consent_is_not_a_special_category_condition_for_sharing_without_it() -> None:
    c = a_concern()
    refused(
        c,
        lambda: c.record_lawful_basis(
            Article6Basis.PUBLIC_TASK, Article9Condition.EXPLICIT_CONSENT, sealed("j"), "DSL"
        ),
        "golden rule 4",
    )


def test_a_consent_basis_recorded_before_the_rule_does_not_answer_the_lawful_reason_question() -> (
    None
):
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    c._lawful_basis_recorded(  # as an event stored before the rule would replay
        article6="consent", article9="explicit-consent", justification=sealed("j"), recorded_by="X"
    )
    with pytest.raises(PolicyRefusal, match="no consent and no lawful reason"):
        c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")


# -- 2. special category data -----------------------------------------------------------------


def test_sharing_an_identifiable_child_without_consent_needs_a_special_category_condition() -> None:
    c = a_concern()
    refused(
        c,
        lambda: c.record_lawful_basis(Article6Basis.PUBLIC_TASK, None, sealed("j"), "DSL"),
        "special category data",
    )
    c._lawful_basis_recorded(  # a basis stored before the rule, without Art. 9
        article6="public-task", article9=None, justification=sealed("j"), recorded_by="X"
    )
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    with pytest.raises(PolicyRefusal, match="when: lawful-basis"):
        c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")


def test_the_dsls_statement_that_no_special_category_data_is_shared_stands_for_art9() -> None:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    c.record_lawful_basis(
        Article6Basis.PUBLIC_TASK,
        None,
        sealed("j"),
        "DSL",
        no_special_category_data=sealed("only attendance dates are shared"),
    )
    c.decide_to_share(sealed("purpose"), [to()], sealed("reasons"), "DSL")
    assert c.decisions[-1].decided_at_step is FlowchartStep.LAWFUL_BASIS


# -- 3. "it would cause delay" ----------------------------------------------------------------


def test_delay_is_no_reason_to_skip_consent_for_a_concern_that_is_not_urgent() -> None:
    c = a_concern()
    refused(c, lambda: c.record_consent_not_sought(NotSoughtReason.DELAY, None, "DSL"), "timely")
    assert c.consent.status is ConsentStatus.NONE


@pytest.mark.parametrize(("immediate_risk", "crime"), [(True, False), (False, True)])
def test_delay_is_a_reason_not_to_seek_consent_in_an_emergency(
    immediate_risk: bool, crime: bool
) -> None:
    c = a_concern(immediate_risk=immediate_risk, crime_suspected=crime)
    c.record_consent_not_sought(NotSoughtReason.DELAY, None, "DSL")
    assert c.consent.not_sought_reason is NotSoughtReason.DELAY


def test_delay_with_the_dsls_account_of_the_harm_is_a_reason_for_a_routine_concern() -> None:
    c = a_concern()
    harm = sealed("the child goes on holiday abroad tomorrow")
    c.record_consent_not_sought(NotSoughtReason.DELAY, None, "DSL", delay_harm=harm)
    assert c.consent.delay_harm == harm


# -- 4. consent withdrawn -----------------------------------------------------------------------


def shared_on_consent(c: Concern, agency: str = "mash") -> Referral:
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    kind = AgencyKind.POLICE if agency == "police" else AgencyKind.MASH
    [referral] = c.decide_to_share(sealed("purpose"), [to(agency, kind)], sealed("r"), "DSL")
    return referral


def test_a_refusal_recorded_after_consent_was_given_is_a_withdrawal() -> None:
    c = a_concern()
    c.record_consent_given(ConsentFrom.PARENT, [], "DSL")
    c.record_consent_refused(ConsentFrom.PARENT, sealed("changed her mind"), "DSL")
    assert c.consent.status is ConsentStatus.WITHDRAWN


def test_consent_withdrawn_withholds_an_undelivered_referral_that_rested_on_it() -> None:
    c = a_concern()
    referral = shared_on_consent(c)
    assert not c.withdrawal_withholds(referral)
    c.record_consent_withdrawn(None, None, "DSL")
    assert c.withdrawal_withholds(referral)
    referral.withhold("consent-withdrawn", "DSL")
    assert referral.status is ReferralStatus.WITHHELD
    assert isinstance(referral.pending_events[-1], Referral.Withheld)
    assert not c.withdrawal_withholds(referral), "withheld once, recorded once"


def test_consent_withdrawn_withholds_an_urgent_referral_too() -> None:
    c = a_concern(immediate_risk=True)
    referral = shared_on_consent(c, "police")
    assert referral.urgent
    c.record_consent_withdrawn(None, None, "DSL")
    assert c.withdrawal_withholds(referral)


def test_consent_withdrawn_with_a_lawful_basis_without_consent_does_not_withhold() -> None:
    c = a_concern()
    referral = shared_on_consent(c)
    safeguarding_basis(c)
    c.record_consent_withdrawn(None, None, "DSL")
    assert not c.withdrawal_withholds(referral)


def test_what_was_delivered_stays_delivered_when_consent_is_withdrawn() -> None:
    c = a_concern()
    referral = shared_on_consent(c)
    referral.record_delivered("receipt-1")
    c.record_consent_withdrawn(None, None, "DSL")
    assert not c.withdrawal_withholds(referral)
    assert referral.status is ReferralStatus.DELIVERED


def test_a_withheld_referral_is_not_resent_the_dsl_decides_again() -> None:
    c = a_concern()
    referral = shared_on_consent(c)
    c.record_consent_withdrawn(None, None, "DSL")
    referral.withhold("consent-withdrawn", "DSL")
    with pytest.raises(PolicyRefusal, match="decide again"):
        referral.request_retry("DSL")
