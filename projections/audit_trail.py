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
from functools import lru_cache
from typing import Any

from domain.access import AccessLog
from domain.actors import ACTOR_FIELDS
from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from projections.batch import (
    BatchProjection,
    Item,
    StateTable,
    drop_tables,
    iso,
    position_key,
    sid,
)
from projections.db import Tx, insert_rows
from projections.staff_names import PlainNames, StaffNames

SYSTEM = "system"
OPENED = AccessLog.Opened.TOPIC
VIEWED = AccessLog.RecordViewed.TOPIC
ACCESS = frozenset({OPENED, VIEWED})
CREATES = {
    Child.Registered.TOPIC: "child",
    Concern.Raised.TOPIC: "concern",
    Referral.Prepared.TOPIC: "referral",
}


def _no_columns(state: dict[str, Any]) -> tuple[()]:
    return ()


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


@lru_cache(maxsize=256)
def action_of(topic: str) -> str:
    """`safeshare:concern:raised` -> `concern raised`."""
    if topic == OPENED:
        return "access log opened"
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

    def __init__(self, names: StaffNames | None = None) -> None:
        self.names: StaffNames = names or PlainNames()
        # record id -> its kind and child; access log id -> the record it logs reads of
        self.records = StateTable("audit_records", (), cache=True)
        self.logs = StateTable("audit_access_logs", (), cache=True)

    indexes = (
        "CREATE INDEX IF NOT EXISTS audit_trail_record ON audit_trail (record_id)",
        "CREATE INDEX IF NOT EXISTS audit_trail_child ON audit_trail (child_id)",
    )

    def create_tables(self, tx: Tx) -> None:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS audit_trail (position {position_key(tx)}, "
            "recorded_at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, "
            "record_id TEXT NOT NULL, record_kind TEXT NOT NULL, child_id TEXT, "
            "version INTEGER NOT NULL)"
        )
        for t in (self.records, self.logs):
            for statement in t.ddl(tx.dialect):
                tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, "audit_trail", self.records, self.logs)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        batch = [(n, e, n.topic, sid(e.originator_id)) for n, e in items if e is not None]
        # one pass for what to look up; records created in this batch are new
        opened: set[str] = set()
        viewed: set[str] = set()
        created: set[str] = set()
        wanted: set[str] = set()
        for _, _, topic, oid in batch:
            if topic == VIEWED:
                viewed.add(oid)
            elif topic == OPENED:
                opened.add(oid)
            else:
                wanted.add(oid)
                if topic in CREATES:
                    created.add(oid)
        logs = self.logs.load(tx, viewed - opened)
        new_logs: dict[str, dict[str, Any]] = {}
        for _, e, topic, oid in batch:
            if topic == OPENED:
                new_logs[oid] = logs[oid] = {"record_id": sid(getattr(e, "record_id"))}  # noqa: B009
        wanted.update(s["record_id"] for s in logs.values())
        records = self.records.load(tx, wanted - created)
        new_records: dict[str, dict[str, Any]] = {}
        seal, rows = self.names.seal, []
        for n, e, topic, oid in batch:
            kind = CREATES.get(topic)
            if kind is not None:
                child = oid if kind == "child" else sid(getattr(e, "child_id"))  # noqa: B009
                new_records[oid] = records[oid] = {"kind": kind, "child_id": child}
            log = logs.get(oid)
            record_id = log["record_id"] if log else oid
            record = records.get(record_id)
            rows.append(
                (
                    n.id,
                    iso(e.timestamp),
                    seal(actor_of(e)),
                    f"viewed: {e.action}" if topic == VIEWED else action_of(topic),
                    record_id,
                    record["kind"] if record else _kind_of(topic),
                    record["child_id"] if record else None,
                    e.originator_version,
                )
            )
        self.logs.save(tx, new_logs, _no_columns)
        self.records.save(tx, new_records, _no_columns)
        insert_rows(tx, "audit_trail", COLUMNS, rows)


@lru_cache(maxsize=256)
def _kind_of(topic: str) -> str:
    parts = topic.split(":")
    return parts[1] if len(parts) > 2 else "other"


def query(
    tx: Tx,
    record: str | None = None,
    actor: str | None = None,
    limit: int = 10_000,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    after: int | None = None,
    names: StaffNames | None = None,
) -> list[AuditRow]:
    """The trail, oldest first. `record` matches the record itself or, for a child's id,
    every record about that child; `actor` matches who did it (a part of it: an email
    address finds the account's web, API and command-line entries); `action` a part of
    what was done; `since` and `until` bound when (ISO moments, `until` excluded); `after`
    is the cursor: the last position already seen."""
    where: list[str] = []
    params: list[Any] = []
    if record:
        where.append("(record_id = ? OR child_id = ?)")
        params += [record, record]
    names = names or PlainNames()
    exact: list[str] = []
    if actor:
        # Staff names are sealed in this store (deterministically): an exact name is found by
        # its seal; a part of one (an email address) by opening each name, page by page.
        exact = [names.seal(actor), actor]
    if action:
        where.append("lower(action) LIKE ? ESCAPE '!'")
        params.append(_containing(action))
    if since:
        where.append("recorded_at >= ?")
        params.append(since)
    if until:
        where.append("recorded_at < ?")
        params.append(until)
    sql = (
        "SELECT position, recorded_at, actor, action, record_id, record_kind, child_id, version "
        "FROM audit_trail WHERE position > ?"
        + "".join(" AND " + w for w in where)
        + " ORDER BY position LIMIT ?"
    )
    wanted = actor.lower() if actor else None
    found: list[AuditRow] = []
    cursor = after or 0
    while len(found) < limit:
        page = limit if wanted is None else max(limit, 1000)
        rows = tx.fetchall(sql, [cursor, *params, page])
        for p, at, a, ac, r, k, c, v in rows:
            who = names.open(str(a))
            if wanted is None or str(a) in exact or wanted in who.lower():
                found.append(AuditRow(int(p), str(at), who, str(ac), str(r), str(k), c, int(v)))
                if len(found) == limit:
                    break
        if len(rows) < page:
            break
        cursor = int(rows[-1][0])
    return found


def _containing(text: str) -> str:
    """A LIKE pattern matching any value containing `text` (case-insensitive)."""
    escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
