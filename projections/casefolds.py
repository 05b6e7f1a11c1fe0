"""Folding one concern's or referral's events into a small state (shared by timeliness and the
worklist). Pure: a state dict and an event in, the state changed in place.

States hold ids, codes and times only (DESIGN.md: projections "never hold plaintext personal
data").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.concern import Concern
from domain.referral import Referral
from projections.batch import Item, iso, sid, topic_of

State = dict[str, Any]
Fold = Callable[[State, Any], None]

CONCERN_TOPICS = frozenset(
    {
        Concern.Raised.TOPIC,
        Concern.ConsentRecorded.TOPIC,
        Concern.SharingDecided.TOPIC,
        Concern.FamilyInformed.TOPIC,
        Concern.RetentionReviewed.TOPIC,
        Concern.ChildDataErased.TOPIC,
        Concern.Closed.TOPIC,
    }
)
REFERRAL_TOPICS = frozenset(
    {
        Referral.Prepared.TOPIC,
        Referral.Dispatched.TOPIC,
        Referral.Delivered.TOPIC,
        Referral.DeliveryFailed.TOPIC,
        Referral.Escalated.TOPIC,
        Referral.RetryRequested.TOPIC,
    }
)


def fold_concern(s: State, e: Any) -> None:
    topic = topic_of(e)
    if topic == Concern.Raised.TOPIC:
        s.update(
            kind="concern",
            id=sid(e.originator_id),
            child_id=sid(e.child_id),
            category=e.category,
            urgent=bool(e.immediate_risk or e.crime_suspected),
            raised_at=iso(e.timestamp),
            observed_at=iso(e.observed_at),
            decided_at=None,
            decisions=0,
            last_share=None,
            family_informed=None,
            consent=None,
            retention_next_review=None,
            closed=False,
            erased=False,
        )
    elif topic == Concern.ConsentRecorded.TOPIC:
        s["consent"] = e.status
    elif topic == Concern.SharingDecided.TOPIC:
        s["decisions"] = int(s.get("decisions", 0)) + 1
        s["decided_at"] = s.get("decided_at") or iso(e.timestamp)
        s["last_share"] = bool(e.share)
        if e.share:
            s["family_informed"] = None  # a new share: the family has not been told of it yet
    elif topic == Concern.FamilyInformed.TOPIC:
        s["family_informed"] = bool(e.informed)
    elif topic == Concern.RetentionReviewed.TOPIC:
        s["retention_next_review"] = e.next_review.isoformat() if e.next_review else None
        s["retention_outcome"] = e.outcome
    elif topic == Concern.ChildDataErased.TOPIC:
        s["erased"] = True
    elif topic == Concern.Closed.TOPIC:
        s["closed"] = True
        s["closed_at"] = iso(e.timestamp)


def fold_referral(s: State, e: Any, concern: State | None) -> None:
    topic = topic_of(e)
    if topic == Referral.Prepared.TOPIC:
        s.update(
            kind="referral",
            id=sid(e.originator_id),
            concern_id=sid(e.concern_id),
            child_id=sid(e.child_id),
            agency_id=e.agency_id,
            agency_kind=e.agency_kind,
            urgent=bool(e.urgent),
            raised_at=(concern or {}).get("raised_at"),
            prepared_at=iso(e.timestamp),
            dispatched_at=None,
            delivered_at=None,
            failures=0,
            escalated_at=None,
            status="prepared",
        )
    elif topic == Referral.Dispatched.TOPIC:
        s["dispatched_at"] = s.get("dispatched_at") or iso(e.timestamp)
        s["status"] = "dispatched"
    elif topic == Referral.Delivered.TOPIC:
        s["delivered_at"] = iso(e.timestamp)
        s["status"] = "delivered"
    elif topic == Referral.DeliveryFailed.TOPIC:
        s["failures"] = int(s.get("failures", 0)) + 1
        if s.get("status") != "escalated":
            s["status"] = "failed"
    elif topic == Referral.Escalated.TOPIC:
        s["escalated_at"] = s.get("escalated_at") or iso(e.timestamp)
        s["status"] = "escalated"
    elif topic == Referral.RetryRequested.TOPIC:
        s["status"] = "prepared"


def fold_batch(
    items: Sequence[Item], load: Callable[[set[str]], dict[str, State]]
) -> dict[str, State]:
    """Fold a batch: load the states it touches at once, fold every event in order, return the
    changed states (to be saved in the same transaction)."""
    keys: set[str] = set()
    for _, e in items:
        if e is None:
            continue
        topic = topic_of(e)
        if topic in CONCERN_TOPICS or topic in REFERRAL_TOPICS:
            keys.add(sid(e.originator_id))
            if topic == Referral.Prepared.TOPIC:
                keys.add(sid(getattr(e, "concern_id")))  # noqa: B009
    if not keys:
        return {}
    states = load(keys)
    changed: dict[str, State] = {}
    for _, e in items:
        if e is None:
            continue
        topic = topic_of(e)
        oid = sid(e.originator_id)
        if topic in CONCERN_TOPICS:
            s = states.setdefault(oid, {})
            if topic != Concern.Raised.TOPIC and not s:
                continue
            fold_concern(s, e)
        elif topic in REFERRAL_TOPICS:
            s = states.setdefault(oid, {})
            if topic != Referral.Prepared.TOPIC and not s:
                continue
            fold_referral(s, e, states.get(str(getattr(e, "concern_id", ""))))
        else:
            continue
        changed[oid] = s
    return changed
