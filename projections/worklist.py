"""The DSL's worklist: what awaits the DSL, most pressing first.

Issue 6: "concerns with no decision, consent sought with no answer, shares with the family not
yet informed, referrals failed or escalated, retention reviews due, child-protection file
transfers due." Failed and escalated referrals come first: DESIGN.md, "A referral is never
silently dropped". Which items are due depends on today, so the table keeps each record's state
and the items are worked out when read.

Reading the worklist must cost what is on it, not the school's whole history: each state also
says whether it is `pending` (a concern neither closed nor erased, a referral not delivered)
and when its retention review falls due, and only those rows (with the concerns of pending
referrals, for their category) are read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from projections.batch import BatchProjection, Item, StateTable, drop_tables
from projections.casefolds import State, fold_batch
from projections.db import Tx
from projections.standards import TRANSFER_KIND, Standards
from projections.workdays import Calendar, deadline, local_day


@dataclass(frozen=True)
class WorkItem:
    priority: int
    concern_id: str
    category: str
    urgent: bool
    item: str
    referral_id: str | None = None
    due: str | None = None
    child_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Worklist(BatchProjection):
    name = "worklist"
    decode = True

    def __init__(self) -> None:
        self.table = StateTable("worklist_records", ("kind", "pending", "review_due"))

    indexes = (
        "CREATE INDEX IF NOT EXISTS worklist_records_pending ON worklist_records (pending)",
        "CREATE INDEX IF NOT EXISTS worklist_records_review ON worklist_records (review_due)",
    )

    def create_tables(self, tx: Tx) -> None:
        for statement in self.table.ddl(tx.dialect):
            tx.execute(statement)
        if not _has_column(tx, self.table.table, "pending"):
            _add_pending_columns(tx, self.table.table)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, self.table)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        changed = fold_batch(items, lambda keys: self.table.load(tx, keys))
        self.table.save(tx, changed, _columns)

    def states(self, tx: Tx, today: date | None = None) -> list[State]:
        """Every state, or (given today) only those that can put an item on the list today,
        with the concerns their referrals belong to."""
        if today is None:
            return self.table.all(tx)
        table = self.table.table
        # Two queries, each on its own index, and no ORDER BY: with either, SQLite prefers
        # walking the whole table in key order.
        rows = tx.fetchall(f"SELECT key, state FROM {table} WHERE pending = '1'")
        rows += tx.fetchall(
            f"SELECT key, state FROM {table} WHERE review_due <= ?", (today.isoformat(),)
        )
        by_key = {str(key): state for key, state in rows}
        found: list[State] = [json.loads(by_key[key]) for key in sorted(by_key)]
        wanted = {str(s["concern_id"]) for s in found if s.get("kind") == "referral"} - set(by_key)
        return found + list(self.table.load(tx, wanted).values())


def _columns(s: State) -> tuple[str, str, str | None]:
    if s.get("kind") == "referral":
        pending = s.get("status") != "delivered"
    else:
        pending = not (s.get("closed") or s.get("erased"))
    return str(s.get("kind")), "1" if pending else "0", s.get("retention_next_review")


def _has_column(tx: Tx, table: str, column: str) -> bool:
    if tx.dialect == "sqlite":
        return any(row[1] == column for row in tx.fetchall(f"PRAGMA table_info({table})"))
    found = tx.fetchone(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? AND column_name = ?",
        (table, column),
    )
    return found is not None


def _add_pending_columns(tx: Tx, table: str) -> None:
    """A worklist made before it kept `pending`: add the columns and fill them in (once)."""
    tx.execute(f"ALTER TABLE {table} ADD COLUMN pending TEXT")
    tx.execute(f"ALTER TABLE {table} ADD COLUMN review_due TEXT")
    for key, state in tx.fetchall(f"SELECT key, state FROM {table}"):
        _, pending, review = _columns(json.loads(state))
        tx.execute(
            f"UPDATE {table} SET pending = ?, review_due = ? WHERE key = ?",
            (pending, review, key),
        )


def work_items(
    states: Sequence[State], now: datetime, cal: Calendar, std: Standards | None = None
) -> list[WorkItem]:
    """The items, most pressing first: failed/escalated/withheld referrals, urgent then routine
    concerns awaiting a decision, unanswered consent and requests for information (to answer,
    or refused and not yet replied to), family not yet told, transfers due, retention reviews
    due (a concern's, or a child's file)."""
    std = std or Standards()
    today = local_day(now)
    concerns = {s["id"]: s for s in states if s.get("kind") == "concern"}
    items: list[WorkItem] = []
    for s in states:
        if s.get("kind") != "referral" or s.get("status") == "delivered":
            continue
        c = concerns.get(str(s.get("concern_id")), {})
        category, urgent = str(c.get("category", "")), bool(s.get("urgent"))
        if s.get("status") in ("failed", "escalated", "withheld"):
            items.append(
                WorkItem(
                    0,
                    s["concern_id"],
                    category,
                    urgent,
                    f"referral to {s.get('agency_id')} {s.get('status')}",
                    s["id"],
                )
            )
        elif s.get("agency_kind") == TRANSFER_KIND:
            due = deadline(
                cal, datetime.fromisoformat(s["prepared_at"]), std.transfer_school_days, True
            )
            items.append(
                WorkItem(
                    5,
                    s["concern_id"],
                    category,
                    urgent,
                    f"child-protection file transfer to {s.get('agency_id')} due",
                    s["id"],
                    local_day(due).isoformat(),
                )
            )
    for s in states:
        if s.get("kind") == "child" and s.get("transfer_due") and not s.get("erased"):
            left = datetime.fromisoformat(s["left_roll_at"])
            due = deadline(cal, left, std.transfer_school_days, True)
            items.append(
                WorkItem(
                    5,
                    "",
                    "",
                    False,
                    "left the roll: send the child-protection file to the new school",
                    child_id=s["id"],
                    due=local_day(due).isoformat(),
                )
            )
        if s.get("kind") == "child" and s.get("retention_due") and not s.get("erased"):
            items.append(
                WorkItem(
                    6, "", "", False, "child's file due for retention review", child_id=s["id"]
                )
            )
        elif s.get("kind") == "request" and not s.get("replied"):
            c = concerns.get(str(s.get("concern_id")), {})
            category, urgent = str(c.get("category", "")), bool(c.get("urgent"))
            if s.get("shared") is None:
                item = f"request for information from {s.get('requester_id')}: answer it"
            elif s.get("shared") is False:
                item = f"request from {s.get('requester_id')} refused: reply with the reasons"
            else:
                continue
            items.append(WorkItem(3, str(s["concern_id"]), category, urgent, item))
    for c in concerns.values():
        cid, category, urgent = c["id"], str(c.get("category")), bool(c.get("urgent"))
        review = c.get("retention_next_review")
        if review and date.fromisoformat(review) <= today:
            items.append(WorkItem(6, cid, category, urgent, "retention review due", due=review))
        if c.get("closed") or c.get("erased"):
            continue
        if not c.get("decisions"):
            items.append(
                WorkItem(1 if urgent else 2, cid, category, urgent, "awaiting a sharing decision")
            )
        if c.get("consent") == "sought":
            items.append(WorkItem(3, cid, category, urgent, "consent sought, no answer yet"))
        if c.get("last_share") and c.get("family_informed") is None:
            items.append(
                WorkItem(4, cid, category, urgent, "shared: record whether the family was told")
            )
    items.sort(key=lambda i: (i.priority, not i.urgent, i.concern_id, i.item))
    return items
