"""The DSL's worklist: what awaits the DSL, most pressing first.

Issue 6: "concerns with no decision, consent sought with no answer, shares with the family not
yet informed, referrals failed or escalated, retention reviews due, child-protection file
transfers due." Failed and escalated referrals come first: DESIGN.md, "A referral is never
silently dropped". Which items are due depends on today, so the table keeps each record's state
and the items are worked out when read.
"""

from __future__ import annotations

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
        self.table = StateTable("worklist_records", ("kind",))

    def create(self, tx: Tx) -> None:
        for statement in self.table.ddl(tx.dialect):
            tx.execute(statement)

    def drop(self, tx: Tx) -> None:
        drop_tables(tx, self.table)

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        changed = fold_batch(items, lambda keys: self.table.load(tx, keys))
        self.table.save(tx, changed, lambda s: (str(s.get("kind")),))

    def states(self, tx: Tx) -> list[State]:
        return self.table.all(tx)


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
