"""Principle Accurate: "Information should be accurate and up to date and should clearly
distinguish between fact and opinion." Facts are corrected or added to by a recorded
amendment, never overwritten unseen. Pure checks quoting the policy."""

from __future__ import annotations

from domain.errors import PolicyRefusal
from domain.sealed import Sealed


def check_amendment_has_reason(reason: Sealed | None) -> Sealed:
    """ "Information should be accurate and up to date": a correction or an addendum records
    who made it, when and why; the original stays in the record as superseded."""
    if reason is None:
        raise PolicyRefusal(
            "accurate",
            "a correction or addendum to the facts needs the reason it was made",
        )
    return reason
