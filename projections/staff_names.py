"""Staff names in the projection store are sealed, never plain.

Staff names are personal data and the projection store is not the event store (whose records
the application-wide cipher encrypts). The audit trail and the chronology keep who did what as
a sealed value: deterministic (the same name always seals the same way) so that "what did this
person do?" is still one indexed lookup, and readable only with the school's key. The sealing
itself is an adapter (`safeshare.adapters.staff_names`); a projection only sees this interface.
"""

from __future__ import annotations

from typing import Protocol


class StaffNames(Protocol):
    def seal(self, name: str) -> str:
        """The stored form of a name (the same name always gives the same stored form)."""
        ...

    def open(self, stored: str) -> str:
        """The name back; a value stored before names were sealed is returned as it is."""
        ...


class PlainNames:
    """No sealing: for tests of projection logic alone and for tools without the school's key."""

    def seal(self, name: str) -> str:
        return name

    def open(self, stored: str) -> str:
        return stored
