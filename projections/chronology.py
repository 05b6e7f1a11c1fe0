"""The chronology: per child, the significant events across all of that child's concerns.

DESIGN.md: "Chronology: the child's significant events across all concerns, in order." Issue 6:
"in the order they happened (observed-at) with when they were recorded; the KCSIE chronology a
DSL hands to a conference."

An entry's text (facts, opinion, reasons, ...) stays a `Sealed` token here and is opened only
when the chronology is shown; once the child's key is destroyed it reads "[erased]" while the
entry itself (what happened, when, who) remains. Non-significant events (reads, packet exports,
the directory) are left to the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from domain.sealed import Sealed
from projections.audit_trail import actor_of
from projections.batch import (
    BatchProjection,
    Item,
    StateTable,
    drop_tables,
    dumps_unsorted,
    iso,
    loads,
    position_key,
    sid,
)
from projections.db import Tx, insert_rows
from projections.staff_names import PlainNames, StaffNames

# topic -> (entry code, sealed fields to keep as text, code fields to keep as detail)
SIGNIFICANT: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    Child.Registered.TOPIC: ("child registered", (), ()),
    Child.Erased.TOPIC: ("child's personal data erased", (), ()),
    Concern.Raised.TOPIC: (
        "concern raised",
        ("facts", "opinion"),
        ("category", "immediate_risk", "crime_suspected"),
    ),
    Concern.AdviceSought.TOPIC: ("advice sought", ("from_whom", "question", "answer"), ()),
    Concern.ConsentRecorded.TOPIC: (
        "consent recorded",
        ("note",),
        ("status", "from_whom", "not_sought_reason"),
    ),
    Concern.LawfulBasisRecorded.TOPIC: (
        "lawful basis recorded",
        ("justification",),
        ("article6", "article9"),
    ),
    Concern.SharingDecided.TOPIC: (
        "sharing decision",
        ("purpose", "reasons"),
        ("decision_no", "share", "decided_at_step"),
    ),
    Concern.FamilyInformed.TOPIC: ("family informed", ("reason",), ("informed",)),
    Concern.FactsAmended.TOPIC: ("facts amended", ("text", "reason"), ("kind",)),
    Concern.FamilyToldAtOutset.TOPIC: (
        "family told at the outset",
        ("account", "reason"),
        ("told",),
    ),
    Concern.RetentionReviewed.TOPIC: ("retention reviewed", (), ("outcome", "next_review")),
    Concern.Closed.TOPIC: ("concern closed", (), ()),
    Referral.Prepared.TOPIC: ("referral prepared", (), ("agency_id", "agency_kind", "urgent")),
    Referral.Dispatched.TOPIC: ("referral dispatched", (), ("attempt", "channel")),
    Referral.Delivered.TOPIC: ("referral delivered", (), ()),
    Referral.DeliveryFailed.TOPIC: ("referral delivery failed", (), ("attempt", "permanent")),
    Referral.Escalated.TOPIC: ("referral escalated to the DSL", (), ()),
    Referral.RetryRequested.TOPIC: ("referral re-sent", (), ()),
    Referral.Withheld.TOPIC: ("referral withheld: consent withdrawn", (), ()),
}


COLUMNS = (
    "position",
    "child_id",
    "concern_id",
    "record_id",
    "occurred_at",
    "recorded_at",
    "entry",
    "actor",
    "body",
)


CREATES = frozenset({Child.Registered.TOPIC, Concern.Raised.TOPIC, Referral.Prepared.TOPIC})


@dataclass(frozen=True)
class Entry:
    position: int
    child_id: str
    concern_id: str | None
    record_id: str
    occurred_at: str
    recorded_at: str
    entry: str
    actor: str
    detail: dict[str, Any]
    texts: list[dict[str, str]]  # {"label", "f", "t"}: still sealed


class Chronology(BatchProjection):
    name = "chronology"
    decode = True

    def __init__(self, names: StaffNames | None = None) -> None:
        self.names: StaffNames = names or PlainNames()
        self.refs = StateTable(
            "chronology_refs", (), cache=True
        )  # record id -> child id, concern id

    # a child's entries are few: found by child, sorted when read
    indexes = ("CREATE INDEX IF NOT EXISTS chronology_child ON chronology (child_id)",)

    def create_tables(self, tx: Tx) -> None:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS chronology (position {position_key(tx)}, "
            "child_id TEXT NOT NULL, concern_id TEXT, record_id TEXT NOT NULL, "
            "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, entry TEXT NOT NULL, "
            "actor TEXT NOT NULL, body TEXT NOT NULL)"
        )
        for statement in self.refs.ddl(tx.dialect):
            tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, "chronology", self.refs)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        relevant = [(n, e) for n, e in items if n.topic in SIGNIFICANT]
        if not relevant:
            return
        ids = {sid(e.originator_id) for _, e in relevant}
        created = {sid(e.originator_id) for n, e in relevant if n.topic in CREATES}
        refs = self.refs.load(tx, ids - created)  # those created in this batch are new
        new_refs: dict[str, dict[str, Any]] = {}
        rows: list[tuple[Any, ...]] = []
        for n, e in relevant:
            assert e is not None
            topic = n.topic
            oid = sid(e.originator_id)
            if topic == Child.Registered.TOPIC:
                new_refs[oid] = refs[oid] = {"child_id": oid, "concern_id": None}
            elif topic == Concern.Raised.TOPIC:
                child = sid(getattr(e, "child_id"))  # noqa: B009
                new_refs[oid] = refs[oid] = {"child_id": child, "concern_id": oid}
            elif topic == Referral.Prepared.TOPIC:
                new_refs[oid] = refs[oid] = {
                    "child_id": sid(getattr(e, "child_id")),  # noqa: B009
                    "concern_id": sid(getattr(e, "concern_id")),  # noqa: B009
                }
            ref = refs.get(oid)
            if ref is None:
                continue  # an event of a record this projection never saw created
            code, sealed_fields, detail_fields = SIGNIFICANT[topic]
            occurred = getattr(e, "observed_at", None) or e.timestamp
            texts = [
                {"label": f, "f": v.field, "t": v.token}
                for f in sealed_fields
                if isinstance(v := getattr(e, f, None), Sealed)  # plain text is never kept here
            ]
            detail = {f: getattr(e, f) for f in detail_fields}
            if topic == Concern.SharingDecided.TOPIC:
                detail["recipients"] = [r["agency_id"] for r in getattr(e, "recipients", [])]
            rows.append(
                (
                    n.id,
                    ref["child_id"],
                    ref["concern_id"],
                    oid,
                    iso(occurred),
                    iso(e.timestamp),
                    code,
                    self.names.seal(actor_of(e)),
                    dumps_unsorted({"detail": detail, "texts": texts}),
                )
            )
        self.refs.save(tx, new_refs, lambda s: ())
        insert_rows(tx, "chronology", COLUMNS, rows)


def entries(tx: Tx, child_id: str, names: StaffNames | None = None) -> list[Entry]:
    """The child's chronology in the order things happened, then the order recorded."""
    rows = tx.fetchall(
        "SELECT position, child_id, concern_id, record_id, occurred_at, recorded_at, entry, "
        "actor, body FROM chronology WHERE child_id = ? "
        "ORDER BY occurred_at, recorded_at, position",
        (child_id,),
    )
    names = names or PlainNames()
    out: list[Entry] = []
    for p, c, cc, r, o, rec, en, a, body in rows:
        b = loads(body)
        out.append(
            Entry(
                int(p),
                str(c),
                cc,
                str(r),
                str(o),
                str(rec),
                str(en),
                names.open(str(a)),
                b["detail"],
                b["texts"],
            )
        )
    return out
