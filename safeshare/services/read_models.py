"""Typed read models of a case: what the CLI, the web pages and the JSON API all render.

Each is a frozen pydantic model: attributes for code, `as_json()` for `--json` and the API
(field names as the JSON has always had them, `from` included). They also read like the
mappings they replaced (`view["facts"]`, `view.get("by")`, `**view`), so a caller written
against the old dictionaries keeps working while it moves to attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_FIELD_NAMES: dict[type[BaseModel], dict[str, str]] = {}
"""Each read model's field names by their JSON alias (`from` -> `from_`)."""


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    # -- read like the mapping each model replaced ---------------------------------------------

    @classmethod
    def _name(cls, key: str) -> str:
        names = _FIELD_NAMES.get(cls)
        if names is None:  # once per model: a page reads thousands of keys
            names = {info.alias: name for name, info in cls.model_fields.items() if info.alias}
            _FIELD_NAMES[cls] = names
        return names.get(key, key)

    def keys(self) -> Iterator[str]:
        for name, info in type(self).model_fields.items():
            yield info.alias or name

    def __getitem__(self, key: str) -> Any:
        name = self._name(key)
        if name not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            value = self[key]
        except KeyError:
            return default
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


class ChildView(ReadModel):
    child_id: str
    erased: bool = False
    name: str | None = None
    dob: str | None = None
    upn: str | None = None
    nhs_number: str | None = None
    address: str | None = None


class FactAmendmentView(ReadModel):
    kind: str
    text: str | None
    superseded: str | None
    reason: str | None
    by: str


class AdviceView(ReadModel):
    from_: str = Field(alias="from")
    question: str | None
    answer: str | None
    by: str
    child_identified: bool
    identified_reason: str | None


class ConsentView(ReadModel):
    status: str
    from_: str | None = Field(alias="from")
    scope: list[str]
    not_sought_reason: str | None
    note: str | None
    delay_harm: str | None


class LawfulBasisView(ReadModel):
    article6: str
    article9: str | None
    justification: str | None
    no_special_category_data: str | None
    recorded_by: str


class RecipientView(ReadModel):
    agency_id: str
    kind: str
    fields: list[str]
    decided_at_step: str
    path: list[str]


class DecisionView(ReadModel):
    decision_no: int
    share: bool
    purpose: str | None
    reasons: str | None
    decided_at_step: str
    path: list[str]
    identifiable: bool
    recipients: list[RecipientView]
    police_not_told_reason: str | None
    decided_by: str


class AllegationView(ReadModel):
    about: str | None
    about_headteacher: bool
    case_manager_role: str
    case_manager: str | None
    restricted_from: list[str]


class ConcernView(ReadModel):
    concern_id: str
    child: ChildView
    category: str
    category_label: str
    facts: str | None
    opinion: str | None
    fact_amendments: list[FactAmendmentView]
    observed_at: str
    raised_at: str
    raised_by: str
    immediate_risk: bool
    crime_suspected: bool
    urgent: bool
    advice: list[AdviceView]
    consent: ConsentView
    lawful_basis: LawfulBasisView | None
    decisions: list[DecisionView]
    family_informed: bool | None
    family_not_informed_reason: str | None
    family_told_at_outset: bool | None
    family_outset_account: str | None
    family_not_told_at_outset_reason: str | None
    retention_next_review: str | None
    child_data_erased: bool
    closed: bool
    transferred_from: str | None
    transferred_on: str | None
    allegation: AllegationView | None
    version: int


class ReferralView(ReadModel):
    referral_id: str
    agency_id: str
    agency_kind: str
    status: str
    urgent: bool
    attempts: int
    fields: list[str]
    packet_sha256: str | None
    receipt: str | None
    last_error: str | None
    withheld_reason: str | None
    content_sha256: str | None


class EventView(ReadModel):
    """One line of a case's history. `details` holds what only some kinds of event carry
    (consent status, the articles, the decision's path, ...), readable as `view["status"]`."""

    type: str
    version: int
    recorded_at: str
    by: str | None = None
    reasons: str | None = None
    recipients: list[str] | None = None
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)

    def keys(self) -> Iterator[str]:
        yield from (k for k in ReadModel.keys(self) if k != "details")
        yield from self.details

    def __getitem__(self, key: str) -> Any:
        if key in self.details:
            return self.details[key]
        return super().__getitem__(key)

    def as_json(self) -> dict[str, Any]:
        data = super().as_json()
        details = data.pop("details")
        return {**{k: v for k, v in data.items() if v is not None}, **details}


class CaseView(ReadModel):
    """A concern as it stands (or stood at `as_of`), its history and its referrals."""

    concern: ConcernView
    as_of: str | None
    events: list[EventView]
    referrals: list[ReferralView]

    def as_json(self) -> dict[str, Any]:
        return {
            "concern": self.concern.as_json(),
            "as_of": self.as_of,
            "events": [e.as_json() for e in self.events],
            "referrals": [r.as_json() for r in self.referrals],
        }


def to_json(value: Any) -> Any:
    """`json.dumps(default=...)`: read models as their JSON, anything else as text."""
    if isinstance(value, ReadModel):
        return value.as_json()
    return str(value)
