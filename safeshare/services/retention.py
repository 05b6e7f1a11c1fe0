"""Retention per child: reviews fall due at the child's 25th birthday (then at the interval the
DSL sets), found by a sweep that opens each date of birth in memory only; a review whose
outcome is erasure erases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain import retention
from domain.child import Child
from domain.codes import ErasureReason, RetentionOutcome
from safeshare.adapters.case_index import CHILDREN, RETENTION_DUE
from safeshare.services.children import ChildService
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, next_review_day, required_text

SWEEPER = "retention sweep"


@dataclass(frozen=True)
class RetentionReview:
    child_id: str
    outcome: str
    next_review: str | None
    erased_concerns: list[str]


class RetentionService:
    def __init__(self, ctx: Context, children: ChildService) -> None:
        self.ctx = ctx
        self.children = children

    def child_ids(self) -> list[UUID]:
        """Every child on the roll, not erased (ids only), from the case index: the sweep's
        cost grows with the roll, not with the history."""
        return self.ctx.app.index.records_keyed(CHILDREN)

    def sweep(self) -> list[UUID]:
        """Note every child's file whose review is now due; returns their ids. The date of
        birth is opened in memory and never written anywhere."""
        today = self.ctx.clock().date()
        noted: list[UUID] = []
        for child_id in self.child_ids():
            child = self.ctx.app.find(child_id, Child)
            if child is None or child.erased or child.retention_review_due:
                continue
            dob = self.ctx.sealer.unseal(child.id, child.date_of_birth)
            if not dob or not dob[:1].isdigit():
                continue
            if retention.review_due(date.fromisoformat(dob), today, child.retention_next_review):
                child.note_retention_review_due(SWEEPER)
                self.ctx.app.save(child)
                noted.append(child.id)
        return noted

    def due(self) -> list[str]:
        """The children whose file is due for review (ids only)."""
        found = []
        for child_id in self.ctx.app.index.records_keyed(RETENTION_DUE):  # only those due
            child = self.ctx.app.find(child_id, Child)
            if child is not None and not child.erased and child.retention_review_due:
                found.append(str(child.id))
        return found

    def review(
        self,
        child_id: str,
        outcome: str,
        reason: str,
        by: str,
        next_review: str | None = None,
    ) -> RetentionReview:
        """Keep the child's file until a next review, or erase it: erasure destroys the
        child's key and records the erasure on the child and every concern, with the review,
        in one transaction."""
        child = self.ctx.child(child_id)
        out = code("outcome", outcome, RetentionOutcome)
        reason = required_text("reason", reason, 500)
        by = required_text("by", by, MAX_NAME)
        today = self.ctx.clock().date()
        nxt = next_review_day(next_review, today)
        # the reason is free text: sealed with the child's key, so an erasure makes it
        # unreadable; the erasure itself records a code, never the text
        child.review_retention(
            out, self.ctx.sealer.seal(child.id, "retention.reason", reason), nxt, by
        )
        if out is RetentionOutcome.ERASE:
            erased = self.children.erase_loaded(child, ErasureReason.RETENTION_ENDED.value, by)
            return RetentionReview(str(child.id), out.value, None, [str(c) for c in erased])
        self.ctx.app.save(child)
        return RetentionReview(str(child.id), out.value, nxt.isoformat() if nxt else None, [])
