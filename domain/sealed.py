"""Opaque personal data as the domain holds it.

The application seals personal fields with the child's own key before they reach an aggregate
(DESIGN.md, "Personal data at rest"); the domain never sees plain text and never needs to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sealed:
    """A value sealed with one child's data key.

    `field` names what the value is (it is bound into the ciphertext as associated data, with
    the child's id, so that a sealed value cannot be moved to another child or field).
    `token` is the ciphertext in URL-safe base64.
    """

    field: str
    token: str

    def __repr__(self) -> str:
        return f"Sealed({self.field!r})"

    def __deepcopy__(self, memo: dict[int, object]) -> Sealed:
        """Immutable: a copy of an aggregate may share it."""
        return self
