"""A referral made by telephone, as the people allowed to read the case read it.

Who took the call and their reference are sealed with the child's key (an erased child's
call reads "[erased]"); when it was made and who recorded it are not personal. The referral
page, `referral show` and the API's referral read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.referral import Referral
from safeshare.adapters.sealing import ERASED
from safeshare.services.context import Context


@dataclass(frozen=True)
class PhoneCall:
    called: str
    """Who took the call at the agency (the agency is the referral's)."""
    called_at: datetime
    reference: str
    """The agency's reference for the call."""
    recorded_by: str
    """The account that phoned and recorded it."""

    def as_json(self) -> dict[str, Any]:
        return {
            "called": self.called,
            "called_at": self.called_at.isoformat(),
            "reference": self.reference,
            "recorded_by": self.recorded_by,
        }


def phone_call_of(ctx: Context, referral: Referral) -> PhoneCall | None:
    """The referral's telephone referral, opened with the child's key; None if not phoned."""
    call = referral.phone_call
    if call is None:
        return None
    unseal = ctx.sealer.unseal
    return PhoneCall(
        called=unseal(referral.child_id, call["called"]) or ERASED,
        called_at=call["called_at"],
        reference=unseal(referral.child_id, call["reference"]) or ERASED,
        recorded_by=call["recorded_by"],
    )
