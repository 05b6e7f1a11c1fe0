"""What the API takes: pydantic models of each command's input. What it answers is the
service layer's typed read models (dataclasses, which pydantic validates and documents)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.body_map import BodyRegion
from domain.codes import (
    Article6Basis,
    Article9Condition,
    Category,
    ConsentFrom,
    ConsentStatus,
    NotSoughtReason,
)

Text = Field(min_length=1, max_length=20_000)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BodyMarkIn(Command):
    region: BodyRegion
    note: str = Field(min_length=1, max_length=500)


class RaiseConcern(Command):
    child_id: str = Field(description="the child's id (from the roll)")
    category: Category
    facts: str = Field(min_length=1, max_length=20_000, description="what was seen or heard")
    opinion: str | None = Field(default=None, max_length=20_000)
    observed_at: str = Field(description="ISO 8601 moment, with its offset")
    child_words: str | None = Field(default=None, max_length=20_000)
    location: str | None = Field(default=None, max_length=500)
    others_present: str | None = Field(default=None, max_length=500)
    immediate_risk: bool = False
    crime_suspected: bool = False
    body_marks: list[BodyMarkIn] = Field(default_factory=list, max_length=40)


class Consent(Command):
    status: ConsentStatus
    from_whom: ConsentFrom | None = None
    reason: NotSoughtReason | None = None
    note: str | None = Field(default=None, max_length=2000)


class LawfulBasis(Command):
    article6: Article6Basis
    justification: str = Field(min_length=1, max_length=20_000)
    article9: Article9Condition | None = None


class Decision(Command):
    share: bool
    reasons: str = Field(min_length=1, max_length=20_000)
    purpose: str | None = Field(default=None, max_length=2000)
    to: list[str] = Field(default_factory=list, max_length=20, description="agency ids")
    police_not_told_reason: str | None = Field(default=None, max_length=2000)


class FamilyInformed(Command):
    informed: bool
    reason: str | None = Field(default=None, max_length=2000)


class Advice(Command):
    from_whom: str = Field(min_length=1, max_length=200, description="who was asked")
    question: str = Field(min_length=1, max_length=20_000)
    answer: str | None = Field(default=None, max_length=20_000)
    identified: bool = Field(default=False, description="whether the adviser was told who")
    identified_reason: str | None = Field(default=None, max_length=2000)


class Restriction(Command):
    dsl_ids: list[str] = Field(
        min_length=1, max_length=50, description="the account ids of the DSLs who may read it"
    )


class AssignAction(Command):
    assignee_id: str
    what: str = Field(min_length=1, max_length=2000)
    due: str = Field(description="ISO date")


class ActionDone(Command):
    note: str | None = Field(default=None, max_length=2000)


class Created(BaseModel):
    id: str


class Done(BaseModel):
    message: str


class DecisionOut(BaseModel):
    share: bool
    referral_ids: list[str]
    decided_at_step: str | None = None


class RollChange(BaseModel):
    added: int
    already_on_roll: int
    problems: list[str]
    returned: int = 0
    not_in_file: int = Field(
        default=0, description="pupils on the roll and not in this file (known by UPN)"
    )
    left: int = Field(
        default=0, description="of those, recorded as having left (only with whole_roll)"
    )
