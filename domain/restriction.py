"""Restricting a case to named DSLs.

Issue 13: "restricting a case to named DSLs (an allegation against a member of staff must not
be readable by that member)". A restricted case is readable by the DSLs it names (and by the
member of staff who raised it, and auditors); to anyone else it is as if it did not exist.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.topics import stable_topics

_RESTRICTION_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/case-restriction")


def check_names_the_restricter(allowed: list[str], restricter: str) -> None:
    """A DSL cannot lock themselves out of a case they are restricting."""
    if restricter not in allowed:
        raise InvalidValue("dsls", "include yourself among the DSLs who may read the case")


class CaseRestriction(CheapCopy, Aggregate):
    class Restricted(Aggregate.Created):
        TOPIC = "safeshare:case-restriction:restricted"
        concern_id: UUID
        allowed: list[str]
        recorded_by: str

    class Changed(Aggregate.Event):
        TOPIC = "safeshare:case-restriction:changed"
        allowed: list[str]
        recorded_by: str

    @staticmethod
    def create_id(concern_id: UUID) -> UUID:
        return uuid5(_RESTRICTION_NAMESPACE, concern_id.hex)

    @event(Restricted)
    def __init__(self, id: UUID, concern_id: UUID, allowed: list[str], recorded_by: str) -> None:
        self.concern_id = concern_id
        self.allowed = list(allowed)

    def change(self, allowed: list[str], restricter: str, by: str) -> None:
        check_names_the_restricter(allowed, restricter)
        self._changed(allowed=list(allowed), recorded_by=by)

    @event(Changed)
    def _changed(self, allowed: list[str], recorded_by: str) -> None:
        self.allowed = list(allowed)


stable_topics(CaseRestriction, "safeshare:case-restriction")
