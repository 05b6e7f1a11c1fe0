"""Folding one concern's or referral's events into a small state (shared by timeliness and the
worklist). Pure: a state dict and an event in, the state changed in place.

States hold ids, codes and times only (DESIGN.md: projections "never hold plaintext personal
data").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.child import Child
from domain.concern import Concern
from domain.information_request import InformationRequest
from domain.referral import Referral
from projections.batch import Item, iso, sid
from projections.standards import TRANSFER_KIND

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
RAISED = Concern.Raised.TOPIC
PREPARED = Referral.Prepared.TOPIC
REFERRAL_TOPICS = frozenset(
    {
        Referral.Prepared.TOPIC,
        Referral.Dispatched.TOPIC,
        Referral.Delivered.TOPIC,
        Referral.DeliveryFailed.TOPIC,
        Referral.Escalated.TOPIC,
        Referral.RetryRequested.TOPIC,
        Referral.Acknowledged.TOPIC,
        Referral.Withheld.TOPIC,
        Referral.ReceiptRecorded.TOPIC,
    }
)


CHILD_TOPICS = frozenset(
    {
        Child.RetentionReviewDue.TOPIC,
        Child.RetentionReviewed.TOPIC,
        Child.Erased.TOPIC,
        Child.LeftRoll.TOPIC,
        Child.ReturnedToRoll.TOPIC,
    }
)
RECEIVED = InformationRequest.Received.TOPIC
REQUEST_TOPICS = frozenset(
    {RECEIVED, InformationRequest.Decided.TOPIC, InformationRequest.Replied.TOPIC}
)

CASE_TOPICS = CONCERN_TOPICS | REFERRAL_TOPICS | CHILD_TOPICS | REQUEST_TOPICS
CREATED = frozenset({RAISED, PREPARED, RECEIVED})


def fold_child(s: State, e: Any, topic: str) -> None:
    """A child's file: whether its retention review is due (never a date of birth)."""
    s.setdefault("kind", "child")
    s.setdefault("id", sid(e.originator_id))
    if topic == Child.RetentionReviewDue.TOPIC:
        s["retention_due"] = True
    elif topic == Child.RetentionReviewed.TOPIC:
        s["retention_due"] = False
    elif topic == Child.Erased.TOPIC:
        s["erased"] = True
        s["retention_due"] = False
        s["transfer_due"] = False
    elif topic == Child.LeftRoll.TOPIC:
        s["left_roll_at"] = iso(e.left_at)
        s["transfer_due"] = bool(e.has_file)
    elif topic == Child.ReturnedToRoll.TOPIC:
        s["transfer_due"] = False
        s.pop("left_roll_at", None)


def fold_request(s: State, e: Any, topic: str) -> None:
    """A request for information received: answered or not, replied to or not."""
    if topic == RECEIVED:
        s.update(
            kind="request",
            id=sid(e.originator_id),
            concern_id=sid(e.concern_id),
            requester_id=e.requester_id,
            received_at=iso(e.timestamp),
            shared=None,
            replied=False,
        )
    elif topic == InformationRequest.Decided.TOPIC:
        s["shared"] = bool(e.share)
    elif topic == InformationRequest.Replied.TOPIC:
        s["replied"] = True


def fold_concern(s: State, e: Any, topic: str) -> None:
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


def fold_referral(s: State, e: Any, topic: str, concern: State | None) -> None:
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
    elif topic == Referral.Acknowledged.TOPIC:
        s["acknowledged_at"] = iso(e.acknowledged_at)
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
    elif topic == Referral.Withheld.TOPIC:
        s["status"] = "withheld"
    elif topic == Referral.ReceiptRecorded.TOPIC:
        s["receipt_at"] = iso(e.received_at)


def _transfer(topic: str, e: Any) -> bool:
    """A referral to a school: the child-protection file following the child."""
    return topic == PREPARED and getattr(e, "agency_kind", None) == TRANSFER_KIND


def fold_batch(
    items: Sequence[Item],
    load: Callable[[set[str]], dict[str, State]],
    keep: frozenset[str] | None = None,
) -> dict[str, State]:
    """Fold a batch: load the states it touches at once, fold every event in order, return the
    changed states (to be saved in the same transaction). `keep` names the fields a projection
    stores (fewer bytes to write and read back); the folds read every field with a default.
    Topics come from the notification (the stable topic it was stored under)."""
    relevant = [(n.topic, e, sid(e.originator_id)) for n, e in items if n.topic in CASE_TOPICS]
    if not relevant:
        return {}
    keys: set[str] = set()
    created: set[str] = set()  # records created in this batch are new: not looked up
    for topic, e, oid in relevant:
        keys.add(oid)
        if topic in CREATED:
            created.add(oid)
            if topic == PREPARED:
                keys.add(sid(e.concern_id))
                if _transfer(topic, e):
                    keys.add(sid(e.child_id))
    states = load(keys - created)
    changed: dict[str, State] = {}
    for topic, e, oid in relevant:
        s = states.get(oid)
        if topic in CONCERN_TOPICS:
            if s is None:
                if topic != RAISED:
                    continue  # a concern this projection never saw raised
                s = states[oid] = {}
            fold_concern(s, e, topic)
        elif topic in CHILD_TOPICS:
            if s is None:
                s = states[oid] = {}
            fold_child(s, e, topic)
        elif topic in REQUEST_TOPICS:
            if s is None:
                if topic != RECEIVED:
                    continue
                s = states[oid] = {}
            fold_request(s, e, topic)
        else:
            if s is None:
                if topic != PREPARED:
                    continue
                s = states[oid] = {}
            fold_referral(s, e, topic, states.get(sid(e.concern_id)) if topic == PREPARED else None)
            child = states.get(sid(e.child_id)) if _transfer(topic, e) else None
            if child is not None and child.get("transfer_due"):
                child["transfer_due"] = False  # the file's transfer referral is made
                changed[sid(e.child_id)] = child
        changed[oid] = s
    if keep is not None:
        return {k: {f: v for f, v in s.items() if f in keep} for k, s in changed.items()}
    return changed
