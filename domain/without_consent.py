"""Sharing without consent: the rules that keep the flowchart's last question honest.

"Have you identified a lawful reason to share information without consent?" Consent itself is
not that reason; special category data needs its own condition; "it would cause delay" is a
reason only when delay would harm; and consent withdrawn withholds what rested on it.
Each check quotes the policy line it enforces. Pure: no I/O, no clock.
"""

from __future__ import annotations

from domain.codes import Article6Basis, Article9Condition, ConsentStatus, NotSoughtReason
from domain.errors import PolicyRefusal
from domain.sealed import Sealed


def check_basis_is_not_consent(article6: Article6Basis, article9: Article9Condition | None) -> None:
    """Golden rule 4: "Under the GDPR and Data Protection Act 2018 you may share information
    without consent if, in your judgement, there is a lawful basis to do so". The lawful
    basis recorded is the reason to share *without* consent, so it cannot be consent: not
    Art. 6(1)(a) consent, nor Art. 9(2)(a) explicit consent."""
    if article6 is Article6Basis.CONSENT:
        raise PolicyRefusal(
            "golden rule 4",
            "consent is not a lawful basis for sharing without consent: choose an Art. 6 "
            "basis other than consent (for example public-task), or record consent itself",
        )
    if article9 is Article9Condition.EXPLICIT_CONSENT:
        raise PolicyRefusal(
            "golden rule 4",
            "explicit consent is not a condition for sharing without consent: choose an "
            "Art. 9 condition other than explicit-consent (usually safeguarding, DPA 2018 "
            "Sch. 1 para 18)",
        )


def check_special_category_condition(
    article9: Article9Condition | None, no_special_category_data: Sealed | None
) -> None:
    """ "Information which is relevant to safeguarding will often be data which is considered
    'special category personal data' ... the Data Protection Act 2018 includes 'safeguarding
    of children and individuals at risk' as a condition that allows practitioners to share
    information without consent." Sharing an identifiable child without consent needs an
    Art. 9 condition, or the DSL's recorded statement that the shared fields hold none."""
    if article9 is None and no_special_category_data is None:
        raise PolicyRefusal(
            "special category data",
            "information relevant to safeguarding is usually special category data: record an "
            "Art. 9 condition (usually safeguarding, DPA 2018 Sch. 1 para 18), or state why the "
            "shared fields hold no special category data",
        )


def check_delay_is_a_reason_here(
    reason: NotSoughtReason, urgent: bool, delay_harm: Sealed | None
) -> None:
    """Principle Timely: "Timeliness is key in emergency situations and it may not be
    appropriate to seek consent for information sharing if it could cause delays and therefore
    place a child or young person at increased risk of harm." Delay is a reason not to seek
    consent only for an urgent concern, or with the DSL's account of the harm it would risk."""
    if reason is NotSoughtReason.DELAY and not urgent and delay_harm is None:
        raise PolicyRefusal(
            "timely",
            "'seeking consent would cause delay' is a reason only in an emergency: the concern "
            "is not urgent, so record the harm the delay would risk, or another reason",
        )


def refusal_is_withdrawal(current: ConsentStatus) -> bool:
    """Footnote 1: "Consent must be unambiguous, freely given and may be withdrawn at any
    time." A refusal heard after consent was given takes that consent back: a withdrawal."""
    return current is ConsentStatus.GIVEN
