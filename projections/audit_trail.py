"""The audit trail: who did what, when, to which record, including who *viewed* a record.

DESIGN.md, domain language: "Audit trail: who did what, when, to which record, including who
viewed a record." Issue 6: "every recorded event and every read of a case ... who, what action,
which record, when. The DSL and auditors ask 'who looked at this child's record?' and get the
answer." Reads are `AccessLog.RecordViewed` events, so they are in the log like any change.

One row per notification (its position is the key, so a replayed batch cannot add a second
row). Rows carry the child's id beside the record's, so asking about a child finds the reads
and changes of every concern and referral about that child. No names of children, no text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.access import AccessLog
from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from projections.batch import BatchProjection, Item, StateTable, drop_tables, iso, sid, topic_of
from projections.db import Tx, insert_rows

ACTOR_FIELDS = (
    "viewer",
    "raised_by",
    "registered_by",
    "sought_by",
    "recorded_by",
    "decided_by",
    "reviewed_by",
    "erased_by",
    "closed_by",
    "requested_by",
    "exported_by",
    "added_by",
    "removed_by",
    "changed_by",
    "updated_by",
)

SYSTEM = "system"
OPENED = AccessLog.Opened.TOPIC
VIEWED = AccessLog.RecordViewed.TOPIC
ACCESS = frozenset({OPENED, VIEWED})
COLUMNS = (
    "position",
    "recorded_at",
    "actor",
    "action",
    "record_id",
    "record_kind",
    "child_id",
    "version",
)


_ACTOR_FIELD: dict[type, str | None] = {}


def actor_of(event: object) -> str:
    """Who did it, from the event's own `..._by` field; delivery outcomes come from the
    workers ("system"). Which field that is depends only on the event's class."""
    cls = type(event)
    if cls not in _ACTOR_FIELD:
        _ACTOR_FIELD[cls] = next((f for f in ACTOR_FIELDS if hasattr(event, f)), None)
    name = _ACTOR_FIELD[cls]
    value = getattr(event, name, None) if name else None
    return value if isinstance(value, str) and value else SYSTEM


def action_of(topic: str) -> str:
    """`safeshare:concern:raised` -> `concern raised`."""
    parts = topic.split(":")
    return " ".join(parts[1:]) if parts[0] == "safeshare" and len(parts) > 1 else topic


@dataclass(frozen=True)
class AuditRow:
    position: int
    recorded_at: str
    actor: str
    action: str
    record_id: str
    record_kind: str
    child_id: str | None
    version: int


class AuditTrail(BatchProjection):
    name = "audit_trail"
    decode = True

    def __init__(self) -> None:
        # record id -> its kind and child; access log id -> the record it logs reads of
        self.records = StateTable("audit_records", (), cache=True)
        self.logs = StateTable("audit_access_logs", (), cache=True)

    def create(self, tx: Tx) -> None:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS audit_trail (position BIGINT PRIMARY KEY, "
            "recorded_at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, "
            "record_id TEXT NOT NULL, record_kind TEXT NOT NULL, child_id TEXT, "
            "version INTEGER NOT NULL)"
        )
        tx.execute("CREATE INDEX IF NOT EXISTS audit_trail_record ON audit_trail (record_id)")
        tx.execute("CREATE INDEX IF NOT EXISTS audit_trail_child ON audit_trail (child_id)")
        for t in (self.records, self.logs):
            for statement in t.ddl():
                tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, "audit_trail", self.records, self.logs)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        viewed = {sid(e.originator_id) for _, e in items if topic_of(e) == VIEWED}
        logs = self.logs.load(tx, viewed)
        new_logs: dict[str, dict[str, Any]] = {}
        for _, e in items:
            if topic_of(e) == OPENED:
                new_logs[sid(e.originator_id)] = {"record_id": sid(getattr(e, "record_id"))}  # noqa: B009
        logs.update(new_logs)
        wanted = {sid(e.originator_id) for _, e in items if topic_of(e) not in ACCESS}
        records = self.records.load(tx, wanted | {s["record_id"] for s in logs.values()})
        new_records: dict[str, dict[str, Any]] = {}
        rows: list[tuple[Any, ...]] = []
        for n, e in items:
            if e is None:
                continue
            topic = topic_of(e)
            oid = sid(e.originator_id)
            entry: dict[str, Any] | None = None
            if topic == Child.Registered.TOPIC:
                entry = {"kind": "child", "child_id": oid}
            elif topic == Concern.Raised.TOPIC:
                entry = {"kind": "concern", "child_id": sid(getattr(e, "child_id"))}  # noqa: B009
            elif topic == Referral.Prepared.TOPIC:
                entry = {"kind": "referral", "child_id": sid(getattr(e, "child_id"))}  # noqa: B009
            if entry is not None:
                new_records[oid] = records[oid] = entry
            record_id = oid
            if oid in logs:
                record_id = logs[oid]["record_id"]
            record = records.get(record_id)
            kind = record["kind"] if record else _kind_of(topic)
            action = action_of(topic)
            if topic == AccessLog.RecordViewed.TOPIC:
                action = f"viewed: {getattr(e, 'action', '')}"
            elif topic == AccessLog.Opened.TOPIC:
                action = "access log opened"
            rows.append(
                (
                    n.id,
                    iso(e.timestamp),
                    actor_of(e),
                    action,
                    record_id,
                    kind,
                    record["child_id"] if record else None,
                    e.originator_version,
                )
            )
        self.logs.save(tx, new_logs, lambda s: ())
        self.records.save(tx, new_records, lambda s: ())
        insert_rows(tx, "audit_trail", COLUMNS, rows)


def _kind_of(topic: str) -> str:
    parts = topic.split(":")
    return parts[1] if len(parts) > 2 else "other"


def query(
    tx: Tx, record: str | None = None, actor: str | None = None, limit: int = 10_000
) -> list[AuditRow]:
    """The trail, oldest first. `record` matches the record itself or, for a child's id,
    every record about that child; `actor` matches who did it."""
    where: list[str] = []
    params: list[Any] = []
    if record:
        where.append("(record_id = ? OR child_id = ?)")
        params += [record, record]
    if actor:
        where.append("actor = ?")
        params.append(actor)
    sql = (
        "SELECT position, recorded_at, actor, action, record_id, record_kind, child_id, version "
        "FROM audit_trail"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY position LIMIT ?"
    )
    params.append(limit)
    return [
        AuditRow(int(p), str(at), str(a), str(ac), str(r), str(k), c, int(v))
        for p, at, a, ac, r, k, c, v in tx.fetchall(sql, params)
    ]
