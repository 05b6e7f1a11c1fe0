"""The case index: what people and workers ask often, kept beside the events.

A school's record only grows, so nothing done often may read the whole log. Each save writes,
in the same transaction as its events (like `event_timestamps`), the rows that answer:

- a child's concerns (`concern_children`): erasure, chronologies, a school transfer;
- each referral's current state (`referral_states`): `referral list` and the reconciler's open
  referrals, by status, with the moment its delivery deadline started.

Rows hold ids, codes and times only (no personal data). A referral row carries the version it
was taken at and is only replaced by a newer one, so a rebuild racing a save cannot undo it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.concern import Concern
from domain.referral import Referral

INDEX_KWARG = "case_index"
INDEX_VERSION = 1
"""Bumped when the rows change meaning: a store whose index is older is rebuilt on open."""


@dataclass(frozen=True)
class ReferralRow:
    """A referral as `referral list` and the reconciler see it."""

    referral_id: UUID
    concern_id: UUID
    agency_id: str
    status: str
    urgent: bool
    attempts: int
    last_error: str | None
    escalation_reason: str | None
    receipt: str | None
    updated_at: datetime
    started_at: datetime | None
    """When the delivery deadline started (preparation or the DSL's last retry); None when
    this save did not move it (the stored value stays)."""
    version: int


@dataclass
class CaseIndexRows:
    """The index rows one save writes."""

    concerns: list[tuple[UUID, UUID]] = field(default_factory=list)
    """(child_id, concern_id) of each concern raised."""
    referrals: list[ReferralRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.concerns or self.referrals)


class ReferralSavedWithoutAggregateError(ValueError):
    """The referral index is taken from the aggregate: save the referral, not bare events."""


def index_rows(events: Sequence[Any], aggregates: Mapping[UUID, Any]) -> CaseIndexRows:
    """The rows for one save: its events, and the aggregates as they stand after them."""
    rows = CaseIndexRows()
    started: dict[UUID, datetime] = {}
    last: dict[UUID, datetime] = {}
    for e in events:
        if isinstance(e, Concern.Raised):
            rows.concerns.append((e.child_id, e.originator_id))
        elif _is_referral_event(e):
            last[e.originator_id] = e.timestamp
            if isinstance(e, Referral.Prepared | Referral.RetryRequested):
                started[e.originator_id] = e.timestamp
    for rid, updated in last.items():
        referral = aggregates.get(rid)
        if not isinstance(referral, Referral):
            msg = f"referral {rid}: save the aggregate so that its index row can be kept"
            raise ReferralSavedWithoutAggregateError(msg)
        rows.referrals.append(referral_row(referral, updated, started.get(rid)))
    return rows


def _is_referral_event(e: Any) -> bool:
    """Referral events are declared inside `Referral` (they subclass `Aggregate.Event`)."""
    return type(e).__qualname__.startswith(f"{Referral.__qualname__}.")


def referral_row(r: Referral, updated_at: datetime, started_at: datetime | None) -> ReferralRow:
    """`updated_at` is the time of the referral's last event (its `modified_on` once stored;
    events of a generated history carry the times they were given)."""
    return ReferralRow(
        referral_id=r.id,
        concern_id=r.concern_id,
        agency_id=r.agency_id,
        status=str(r.status.value),
        urgent=bool(r.urgent),
        attempts=int(r.attempts),
        last_error=r.last_error,
        escalation_reason=r.escalation_reason,
        receipt=r.receipt,
        updated_at=updated_at,
        started_at=started_at,
        version=int(r.version),
    )


def deadline_started(events: Iterable[Any]) -> datetime | None:
    """The last preparation or retry among a referral's events (for a rebuild)."""
    found = None
    for e in events:
        if isinstance(e, Referral.Prepared | Referral.RetryRequested):
            found = e.timestamp
    return found


def utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC)


def utc_text(ts: datetime) -> str:
    """Sortable UTC text, so that SQLite compares moments correctly across offsets."""
    if ts.tzinfo is None:
        msg = "timestamps must be timezone-aware"
        raise ValueError(msg)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
