"""The values a concern's record holds: consent, the lawful basis, advice, decisions.

All are frozen: a copy of the aggregate may share them (`domain.copying`), and a command that
is refused cannot have changed one half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.codes import (
    AgencyKind,
    Article6Basis,
    Article9Condition,
    ConsentFrom,
    ConsentStatus,
    FlowchartStep,
    NotSoughtReason,
)
from domain.packet_fields import PacketField
from domain.sealed import Sealed


class _Immutable:
    """Frozen values are shared, never copied, by copies of the aggregate."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, object]) -> Any:
        return self


@dataclass(frozen=True, slots=True)
class RecipientChoice(_Immutable):
    """One recipient of a share, as the DSL chose it, and what it receives."""

    agency_id: str
    kind: AgencyKind
    fields: frozenset[PacketField]
    profile: frozenset[PacketField]
    widening_reason: Sealed | None = None


@dataclass(frozen=True, slots=True)
class LawfulBasis(_Immutable):
    """The ground for sharing without consent: an Art. 6 basis, an Art. 9 condition for
    special category data (or the DSL's statement that none is shared), and the DSL's
    justification."""

    article6: Article6Basis
    article9: Article9Condition | None
    justification: Sealed
    recorded_by: str
    no_special_category_data: Sealed | None = None

    @property
    def is_without_consent(self) -> bool:
        """Golden rule 4: "you may share information without consent if ... there is a lawful
        basis to do so". Consent is not a basis for sharing without it."""
        return self.article6 is not Article6Basis.CONSENT and (
            self.article9 is not Article9Condition.EXPLICIT_CONSENT
        )

    @property
    def covers_special_category_data(self) -> bool:
        """An Art. 9 condition other than explicit consent, or the DSL's recorded statement
        that the shared fields hold no special category data."""
        return (
            self.article9 is not None and self.article9 is not Article9Condition.EXPLICIT_CONSENT
        ) or self.no_special_category_data is not None

    @property
    def lets_identifiable_share_without_consent(self) -> bool:
        return self.is_without_consent and self.covers_special_category_data


@dataclass(frozen=True, slots=True)
class Consent(_Immutable):
    """Where consent stands: sought, given (with its scope), refused, withdrawn, not sought."""

    status: ConsentStatus
    from_whom: ConsentFrom | None = None
    scope: tuple[str, ...] = ()
    not_sought_reason: NotSoughtReason | None = None
    note: Sealed | None = None
    recorded_by: str = ""
    delay_harm: Sealed | None = None

    def covers(self, agency_id: str, kind: AgencyKind) -> bool:
        """Consent given for named recipients covers only those (empty scope: any)."""
        return not self.scope or agency_id in self.scope or kind.value in self.scope


@dataclass(frozen=True, slots=True)
class Advice(_Immutable):
    """Advice sought (golden rule 3), and whether the adviser was told who the child is."""

    from_whom: Sealed | str
    question: Sealed
    answer: Sealed | None
    sought_by: str
    child_identified: bool = False
    identified_reason: Sealed | None = None


@dataclass(frozen=True, slots=True)
class FactAmendment(_Immutable):
    """A correction of the facts (the text it replaced stays, as superseded) or an addendum
    to them, with who recorded it and why (principle Accurate)."""

    kind: str
    text: Sealed
    reason: Sealed
    recorded_by: str
    superseded: Sealed | None = None

    CORRECTION = "correction"
    ADDENDUM = "addendum"


@dataclass(frozen=True, slots=True)
class RecipientDecision(_Immutable):
    """What was decided for one recipient, and the flowchart path that led there."""

    agency_id: str
    kind: AgencyKind
    fields: tuple[PacketField, ...]
    decided_at_step: FlowchartStep
    path: tuple[str, ...]
    widening_reason: Sealed | None = None

    def as_event_data(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "kind": self.kind.value,
            "fields": [f.value for f in self.fields],
            "widening_reason": self.widening_reason,
            "decided_at_step": self.decided_at_step.value,
            "path": list(self.path),
        }

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> RecipientDecision:
        return cls(
            agency_id=str(data["agency_id"]),
            kind=AgencyKind(data["kind"]),
            fields=tuple(PacketField(f) for f in data["fields"]),
            decided_at_step=FlowchartStep(data["decided_at_step"]),
            path=tuple(data.get("path", ())),
            widening_reason=data.get("widening_reason"),
        )


@dataclass(frozen=True, slots=True)
class Decision(_Immutable):
    """A sharing decision, share or not, always with reasons (golden rule 7).

    `recipients` keeps each recipient's own flowchart path; `decided_at_step` and `path` are
    those of the recipient whose question went furthest down the flowchart.
    """

    decision_no: int
    share: bool
    purpose: Sealed | None
    reasons: Sealed
    decided_at_step: FlowchartStep
    path: tuple[str, ...]
    identifiable: bool
    recipients: tuple[RecipientDecision, ...]
    police_not_told_reason: Sealed | None
    decided_by: str
    redacted_facts: Sealed | None = None
    redacted_opinion: Sealed | None = None

    def recipient(self, agency_id: str) -> RecipientDecision | None:
        return next((r for r in self.recipients if r.agency_id == agency_id), None)
