"""The school's Information Sharing Policy as pure functions.

`when_to_share` is the policy's "when" flowchart; the `check_*` functions are its principles.
Each quotes the line of the policy it enforces. Nothing here reads a clock or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from domain.codes import (
    AgencyKind,
    ConsentStatus,
    FlowchartStep,
    NotSoughtReason,
    RetentionOutcome,
)
from domain.errors import PolicyRefusal
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from domain.sealed import Sealed

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence


@dataclass(frozen=True, slots=True)
class SharingQuestion:
    """What the flowchart asks about one proposed share to one recipient."""

    has_purpose: bool
    consent: ConsentStatus
    recipient_within_consent_scope: bool
    identifiable: bool
    has_lawful_basis: bool


@dataclass(frozen=True, slots=True)
class WhenAnswer:
    """The flowchart's answer and the question that decided it."""

    share: bool
    decided_at: FlowchartStep
    path: tuple[str, ...]
    reason: str


def when_to_share(q: SharingQuestion) -> WhenAnswer:
    """The policy's "When" questions, in order.

    "Is there a clear and legitimate purpose for sharing information? ... No – do not share"
    "Do you have consent to share? Yes – you can share but should consider how"
    "Does the information enable an individual to be identified? ... No – you can share but
    should consider how"
    "Have you identified a lawful reason to share information without consent? Yes – you can
    share but should consider how. No – do not share"
    """
    path: list[str] = []
    if not q.has_purpose:
        path.append("purpose: no")
        return WhenAnswer(
            False, FlowchartStep.PURPOSE, tuple(path), "no clear and legitimate purpose"
        )
    path.append("purpose: yes")
    if consent_permits_sharing(q.consent, q.recipient_within_consent_scope):
        path.append("consent: yes")
        return WhenAnswer(
            True, FlowchartStep.CONSENT, tuple(path), "consent given: share, consider how"
        )
    path.append(f"consent: no ({q.consent.value})")
    if not q.identifiable:
        path.append("identifiable: no")
        return WhenAnswer(
            True,
            FlowchartStep.IDENTIFIABLE,
            tuple(path),
            "the information does not identify the child: share, consider how",
        )
    path.append("identifiable: yes")
    if q.has_lawful_basis:
        path.append("lawful reason without consent: yes")
        return WhenAnswer(
            True,
            FlowchartStep.LAWFUL_BASIS,
            tuple(path),
            "lawful reason to share without consent: share, consider how",
        )
    path.append("lawful reason without consent: no")
    return WhenAnswer(
        False,
        FlowchartStep.LAWFUL_BASIS,
        tuple(path),
        "no consent and no lawful reason to share without consent",
    )


def consent_permits_sharing(status: ConsentStatus, within_scope: bool) -> bool:
    """Consent counts only while it stands and only for the recipients it covers.

    "Consent must be unambiguous, freely given and may be withdrawn at any time"
    """
    return status is ConsentStatus.GIVEN and within_scope


STEP_ORDER: tuple[FlowchartStep, ...] = (
    FlowchartStep.PURPOSE,
    FlowchartStep.CONSENT,
    FlowchartStep.IDENTIFIABLE,
    FlowchartStep.LAWFUL_BASIS,
    FlowchartStep.DSL_JUDGEMENT,
)
"""The flowchart's questions in the order it asks them."""


def furthest_step(steps: Sequence[FlowchartStep]) -> FlowchartStep:
    """The question furthest down the flowchart among `steps`."""
    return max(steps, key=STEP_ORDER.index)


def check_decision_has_reasons(reasons: Sealed | None) -> Sealed:
    """Golden rule 7: "Keep a record of your decision and the reasons for it – whether it is to
    share information or not."
    """
    if reasons is None:
        raise PolicyRefusal(
            "golden rule 7",
            "a decision needs reasons, whether it is to share or not",
        )
    return reasons


def check_share_has_purpose(purpose: Sealed | None) -> Sealed:
    """ "Is there a clear and legitimate purpose for sharing information? ... No – do not share"."""
    if purpose is None:
        raise PolicyRefusal(
            "when: purpose",
            "sharing needs a clear and legitimate purpose",
        )
    return purpose


def check_share_names_recipients(recipients: Sequence[object]) -> None:
    """Golden rule 7: "If you decide to share, then record what you have shared, with whom"."""
    if not recipients:
        raise PolicyRefusal("golden rule 7", "a decision to share must name its recipients")


def check_share_allowed(answer: WhenAnswer, recipient: str) -> None:
    """ "Have you identified a lawful reason to share information without consent? ...
    No – do not share"."""
    if not answer.share:
        raise PolicyRefusal(
            f"when: {answer.decided_at.value}",
            f"sharing with {recipient} is not allowed: {answer.reason}; "
            "record consent or a lawful basis, or decide not to share",
        )


def check_police_informed_when_urgent(
    immediate_risk: bool,
    crime_suspected: bool,
    recipient_kinds: Collection[AgencyKind],
    reason_police_not_told: Sealed | None,
) -> None:
    """ "If it is thought that a crime has been committed and/or a child is at immediate risk,
    the police should be notified immediately."
    """
    urgent = immediate_risk or crime_suspected
    if urgent and AgencyKind.POLICE not in recipient_kinds and reason_police_not_told is None:
        raise PolicyRefusal(
            "being alert: police",
            "the child is at immediate risk or a crime is suspected: the police must be "
            "among the recipients, or the reason they are not must be recorded",
        )


def check_fields_within_profile(
    recipient: str,
    fields: Collection[PacketField],
    profile: Collection[PacketField],
    widening_reason: Sealed | None,
) -> None:
    """ "Only information that is relevant to the purposes should be shared with those who need
    it."""
    outside = sorted(f.value for f in fields if f not in profile)
    if outside and widening_reason is None:
        raise PolicyRefusal(
            "relevant",
            f"{recipient} does not need {', '.join(outside)}: "
            '"Only information that is relevant to the purposes should be shared with those '
            'who need it." Narrow the fields or record why they are needed',
        )


def check_packet_adequate(fields: Collection[PacketField]) -> None:
    """ "Information should be adequate for its purpose." A share without the facts is not."""
    if PacketField.FACTS not in fields:
        raise PolicyRefusal(
            "adequate",
            'a share must carry the facts: "Information should be adequate for its purpose."',
        )


def check_anonymised_share_carries_no_identity(
    identifiable: bool, fields: Collection[PacketField]
) -> None:
    """ "Does the information enable an individual to be identified? ... No – you can share":
    a share decided on that ground must not then carry what identifies the child."""
    if not identifiable:
        named = sorted(f.value for f in fields if f in IDENTIFYING_FIELDS)
        if named:
            raise PolicyRefusal(
                "when: identifiable",
                "the share was decided on information that does not identify the child, "
                f"but carries {', '.join(named)}",
            )


def check_consent_not_sought_has_reason(reason: NotSoughtReason | None) -> NotSoughtReason:
    """Golden rule 2: "seek their agreement, unless it is unsafe or inappropriate to do so";
    not seeking it is a decision, so its reason is recorded."""
    if reason is None:
        raise PolicyRefusal(
            "golden rule 2",
            "consent not sought needs a reason: unsafe, risk-to-child, cannot-obtain or delay",
        )
    return reason


def check_consent_can_be_withdrawn(status: ConsentStatus) -> None:
    """Footnote 1: consent "may be withdrawn at any time", which presumes it was given."""
    if status is not ConsentStatus.GIVEN:
        raise PolicyRefusal(
            "consent",
            "consent can only be withdrawn after it was given",
        )


def check_basis_has_justification(justification: Sealed | None) -> Sealed:
    """Golden rule 4: "be clear of the basis upon which you are doing so"; the DSL's
    judgement "based on the facts of the case" is recorded with the basis."""
    if justification is None:
        raise PolicyRefusal(
            "golden rule 4",
            "a lawful basis needs the DSL's justification",
        )
    return justification


def check_not_informed_has_reason(reason: Sealed | None) -> Sealed:
    """How, last step: "be transparent with the individual ... as long as doing so does not
    create or increase the risk of harm"; not telling them is a decision with a reason."""
    if reason is None:
        raise PolicyRefusal(
            "how: transparency",
            "not informing the family needs a reason",
        )
    return reason


def check_retention_review_complete(
    outcome: RetentionOutcome, reason: Sealed | str, next_review: date | None
) -> None:
    """Principle Record: "there should be a review process scheduled at regular intervals to
    ensure data is not retained where it is unnecessary to do so": keeping the record sets the
    next review, and every review says why."""
    if outcome is RetentionOutcome.KEEP and next_review is None:
        raise PolicyRefusal("record: retention", "keeping the record needs a next review date")
    if isinstance(reason, str) and not reason.strip():  # a sealed reason was checked unsealed
        raise PolicyRefusal("record: retention", "a retention review needs a reason")


def check_erasure_is_reviewed_per_child(outcome: RetentionOutcome, child_erased: bool) -> None:
    """Principle Record: "The information should not be kept any longer than is necessary".
    Retention is reviewed per child: a review whose outcome is erasure erases the child's file
    (`Child.review_retention`), so a concern records "erase" only once that has happened."""
    if outcome is RetentionOutcome.ERASE and not child_erased:
        raise PolicyRefusal(
            "record: retention",
            "retention is reviewed per child: review the child's file (its erasure erases "
            "every concern about the child)",
        )
