"""The case index: what people and workers ask often, kept beside the events.

A school's record only grows, so nothing done often may read the whole log. Each save writes,
in the same transaction as its events (like `event_timestamps`), the rows that answer:

- a child's concerns (`concern_children`): erasure, chronologies, a school transfer;
- each referral's current state (`referral_states`): `referral list` and the reconciler's open
  referrals, by status, with the moment its delivery deadline started;
- records by kind and key (`record_keys`, see `KEYS`): the staff accounts, a concern's actions and
  attachments, a person's actions, the concerns an account raised, the children on the roll and
  those due a retention review, the urgent DSL alerts still awaiting acknowledgement.

Rows hold ids, codes and times only (no personal data). A referral row carries the version it
was taken at and is only replaced by a newer one, so a rebuild racing a save cannot undo it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.action import Action
from domain.alert import DslAlert
from domain.api_token import ApiToken
from domain.attachment import Attachment
from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from domain.user import User

INDEX_KWARG = "case_index"
INDEX_VERSION = 3
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


USERS = "user"
"""Every staff account (key "")."""
ACTIONS_OF_CONCERN = "action-of-concern"
"""A concern's actions (key: the concern's id)."""
ACTIONS_OF_ASSIGNEE = "action-of-assignee"
"""A person's actions (key: the assignee's account id)."""
ACTIONS_OPEN = "action-open"
"""The actions not yet done (key ""): the worklist's overdue ones are among them."""
ATTACHMENTS_OF_CONCERN = "attachment-of-concern"
"""A concern's attachments (key: the concern's id)."""
TOKENS_OF_ACCOUNT = "api-token-of"
"""An account's API tokens (key: the account's id)."""
RAISED_BY = "raised-by"
"""The concerns an account raised (key: the account's id)."""
CHILDREN = "child"
"""The children on the roll, not erased (key "")."""
RETENTION_DUE = "retention-due"
"""The children whose file is due for a retention review (key "")."""
ALERTS_AWAITING = "alert-awaiting"
"""Urgent DSL alerts not yet acknowledged nor escalated to the headteacher, the last tier
(key "")."""

KEY_TOPICS = (
    User.Added.TOPIC,
    ApiToken.Issued.TOPIC,
    Action.Assigned.TOPIC,
    Action.Completed.TOPIC,
    Attachment.Added.TOPIC,
    Concern.DetailsRecorded.TOPIC,
    Child.Registered.TOPIC,
    Child.RetentionReviewDue.TOPIC,
    Child.RetentionReviewed.TOPIC,
    Child.Erased.TOPIC,
    DslAlert.Sent.TOPIC,
    DslAlert.Acknowledged.TOPIC,
    DslAlert.EscalatedToHeadteacher.TOPIC,
)
"""The topics whose events change `record_keys` (what a rebuild reads)."""

KeyChange = tuple[bool, str, str, UUID]
"""(added, kind, key, record id): a record joins (True) or leaves (False) a kind's list."""


def key_changes(e: Any) -> list[KeyChange]:
    """How one event changes the records-by-kind lists."""
    oid = e.originator_id
    if isinstance(e, User.Added):
        return [(True, USERS, "", oid)]
    if isinstance(e, ApiToken.Issued):
        return [(True, TOKENS_OF_ACCOUNT, str(e.user_id), oid)]
    if isinstance(e, Action.Assigned):
        return [
            (True, ACTIONS_OF_CONCERN, e.concern_id.hex, oid),
            (True, ACTIONS_OF_ASSIGNEE, str(e.assignee_id), oid),
            (True, ACTIONS_OPEN, "", oid),
        ]
    if isinstance(e, Action.Completed):
        return [(False, ACTIONS_OPEN, "", oid)]
    if isinstance(e, Attachment.Added):
        return [(True, ATTACHMENTS_OF_CONCERN, e.concern_id.hex, oid)]
    if isinstance(e, Concern.DetailsRecorded) and e.raised_by_account:
        return [(True, RAISED_BY, str(e.raised_by_account), oid)]
    if isinstance(e, Child.Registered):
        return [(True, CHILDREN, "", oid)]
    if isinstance(e, Child.RetentionReviewDue):
        return [(True, RETENTION_DUE, "", oid)]
    if isinstance(e, Child.RetentionReviewed):
        return [(False, RETENTION_DUE, "", oid)]
    if isinstance(e, Child.Erased):
        return [(False, CHILDREN, "", oid), (False, RETENTION_DUE, "", oid)]
    if isinstance(e, DslAlert.Sent):
        return [(True, ALERTS_AWAITING, "", oid)] if e.urgent else []
    if isinstance(e, DslAlert.Acknowledged | DslAlert.EscalatedToHeadteacher):
        return [(False, ALERTS_AWAITING, "", oid)]
    return []


def runs(changes: Sequence[KeyChange]) -> list[tuple[bool, list[tuple[str, str, UUID]]]]:
    """Consecutive changes of one sign together, in order (one statement per run)."""
    out: list[tuple[bool, list[tuple[str, str, UUID]]]] = []
    for added, kind, key, rid in changes:
        if not out or out[-1][0] != added:
            out.append((added, []))
        out[-1][1].append((kind, key, rid))
    return out


def net_keys(changes: Iterable[KeyChange]) -> list[KeyChange]:
    """The additions that stand after `changes` applied in order (for a rebuild)."""
    standing: dict[tuple[str, str, UUID], None] = {}
    for added, kind, key, rid in changes:
        if added:
            standing[(kind, key, rid)] = None
        else:
            standing.pop((kind, key, rid), None)
    return [(True, kind, key, rid) for kind, key, rid in standing]


@dataclass
class CaseIndexRows:
    """The index rows one save writes."""

    concerns: list[tuple[UUID, UUID]] = field(default_factory=list)
    """(child_id, concern_id) of each concern raised."""
    referrals: list[ReferralRow] = field(default_factory=list)
    keys: list[KeyChange] = field(default_factory=list)
    """Records joining or leaving a kind's list, in the order of the events."""

    def __bool__(self) -> bool:
        return bool(self.concerns or self.referrals or self.keys)


class ReferralSavedWithoutAggregateError(ValueError):
    """The referral index is taken from the aggregate: save the referral, not bare events."""


def index_rows(events: Sequence[Any], aggregates: Mapping[UUID, Any]) -> CaseIndexRows:
    """The rows for one save: its events, and the aggregates as they stand after them."""
    rows = CaseIndexRows()
    started: dict[UUID, datetime] = {}
    last: dict[UUID, datetime] = {}
    for e in events:
        rows.keys.extend(key_changes(e))
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
