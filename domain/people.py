"""The people around the child: parents and carers, the household, siblings, and the other
professionals involved. Each is personal data, held sealed with the child's key.

The policy asks the school to "consider the impact of disclosing information on the information
subject and any third parties" (principle Necessary and proportionate): who these people are
travels only in the packet fields `household` and `professionals`, and only to recipients whose
profile needs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.codes import Relationship
from domain.errors import InvalidValue
from domain.sealed import Sealed


@dataclass(frozen=True, slots=True)
class Person:
    """One person around the child."""

    person_id: str
    relationship: Relationship
    name: Sealed
    parental_responsibility: bool
    lives_with_child: bool
    organisation: Sealed | None
    contact: Sealed | None
    note: Sealed | None
    recorded_by: str

    @property
    def is_professional(self) -> bool:
        return self.relationship.is_professional

    @property
    def in_household(self) -> bool:
        """Parents, carers, siblings and anyone living with the child: the `household`
        packet field; professionals are the `professionals` field."""
        return not self.is_professional

    def __deepcopy__(self, memo: dict[int, object]) -> Person:
        return self  # immutable: copies of the aggregate may share it


def check_parental_responsibility_fits(
    relationship: Relationship, parental_responsibility: bool
) -> None:
    """Parental responsibility is recorded for parents and carers only (a sibling or a
    professional does not hold it for the child)."""
    if parental_responsibility and not relationship.can_hold_parental_responsibility:
        raise InvalidValue(
            "parental-responsibility",
            f"a {relationship.value} is not recorded as holding parental responsibility",
        )
