"""What the workers need from the rest of safeshare, as small interfaces.

`workers/` never imports `safeshare`: the composition root (`safeshare/bootstrap.py`) builds an
object satisfying `DispatchStore` for one school and hands it in. That keeps the workers
testable on their own and keeps the tenant seam in one place (one store per school).

Everything crossing these interfaces is an id, a flag, a code or sealed bytes; never personal
data, so nothing the workers log, raise or enqueue can leak any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sharing.channels import Channel, Envelope


@dataclass(frozen=True)
class Job:
    """A referral to (re)enqueue: its id and which queue it belongs on."""

    referral_id: str
    urgent: bool


@dataclass(frozen=True)
class OpenReferral:
    """A referral not yet delivered nor escalated, as the reconciler sees it."""

    job: Job
    last_change: datetime
    due_by: datetime


@dataclass(frozen=True)
class Trigger:
    """A notification that asks for a delivery (a referral prepared, or a retry requested),
    at its position in the log."""

    position: int
    job: Job


@dataclass(frozen=True)
class Attempt:
    """One send about to happen: the dispatch is already recorded on the referral."""

    referral_id: str
    attempt: int
    channel: str
    envelope: Envelope
    urgent: bool


@dataclass(frozen=True)
class Skip:
    """Nothing to send: already delivered, escalated (waiting for the DSL), or not to be sent
    at all (consent withdrawn before delivery: `escalate`)."""

    referral_id: str
    reason: str
    escalate: bool = False
    """True when the referral must not be sent and the DSL must decide (consent withdrawn)."""


class DispatchStore(Protocol):
    """One school's referrals, as the relay, the reconciler and the deliver task see them."""

    school: str

    def read_triggers(self, after: int, limit: int) -> Sequence[Trigger]:
        """Prepared/retry-requested notifications after `after`, oldest first."""
        ...

    def max_position(self) -> int: ...

    def tracked_position(self, name: str) -> int:
        """The relay's own tracking position (0 when it has never run)."""
        ...

    def track(self, name: str, position: int) -> None: ...

    def begin_attempt(self, referral_id: str) -> Attempt | Skip:
        """Load the referral; if it still needs sending, seal its packet and record the
        dispatch (attempt n+1) before anything leaves the school."""
        ...

    def due_by(self, referral_id: str) -> datetime:
        """When the referral must have arrived (DESIGN.md timeliness); past it, escalate.
        The clock starts at preparation, or again at the DSL's last retry."""
        ...

    def record_delivered(self, referral_id: str, receipt: str) -> None: ...

    def record_failed(
        self, referral_id: str, attempt: int, error_class: str, permanent: bool
    ) -> None: ...

    def escalate(self, referral_id: str, reason: str) -> bool:
        """Escalate to the DSL; True if this call escalated it (False: already escalated or
        delivered)."""
        ...

    def open_referrals(self) -> Sequence[OpenReferral]:
        """Referrals prepared, dispatched or failed: not delivered, not waiting for the DSL."""
        ...

    def channel(self, kind: str) -> Channel:
        """The channel for `smtp` or `https`, configured from the school's settings."""
        ...

    def send_alert(self, referral_id: str, reason: str) -> None:
        """Tell the DSL (mail to the configured address) that a referral was escalated. Ids
        and a reason code only. Raises a `DeliveryError` if the mail could not be sent."""
        ...

    def now(self) -> datetime: ...

    def close(self) -> None: ...
