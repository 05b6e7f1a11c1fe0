"""Telling the family (golden rule 2, and after a share), reviewing retention and closing a
concern: the commands on a concern after its facts, for `ConcernService`."""

from __future__ import annotations

from domain.codes import ErasureReason, RetentionOutcome
from domain.concern import Concern
from domain.sealed import Sealed
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, next_review_day, optional_text, required_text


class TellingAndClosing:
    """The family told or not, retention reviewed, the concern closed."""

    ctx: Context

    def tell_family_at_outset(
        self,
        concern_id: str,
        told: bool,
        by: str,
        account: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Golden rule 2: the family told from the outset what, why and with whom information
        will or could be shared, or the reason that was unsafe; at any point of the case."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        by = required_text("by", by, MAX_NAME)
        seal = self.ctx.sealer
        if told:
            concern.record_family_told_at_outset(
                seal.seal_optional(
                    concern.child_id, "outset.account", optional_text("account", account)
                ),
                by,
            )
        else:
            concern.record_family_not_told_at_outset(
                seal.seal_optional(
                    concern.child_id, "outset.reason", optional_text("reason", reason)
                ),
                by,
            )
        self.ctx.app.save(concern)

    def inform(self, concern_id: str, informed: bool, by: str, reason: str | None = None) -> None:
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        by = required_text("by", by, MAX_NAME)
        if informed:
            concern.record_family_informed(by)
        else:
            concern.record_family_not_informed(
                self.ctx.sealer.seal_optional(
                    concern.child_id, "transparency.reason", optional_text("reason", reason)
                ),
                by,
            )
        self.ctx.app.save(concern)

    def review_retention(
        self, concern_id: str, outcome: str, reason: str, by: str, next_review: str | None = None
    ) -> None:
        concern = self.ctx.concern(concern_id)
        out = code("outcome", outcome, RetentionOutcome)
        today = self.ctx.clock().date()
        nxt = next_review_day(next_review, today)
        concern.review_retention(
            out, self._retention_reason(concern, reason), nxt, required_text("by", by, MAX_NAME)
        )
        self.ctx.app.save(concern)

    def _retention_reason(self, concern: Concern, reason: str) -> Sealed | str:
        """Free text sealed with the child's key; once the child is erased nothing can be
        sealed and plain text would outlive the erasure, so the reason is then a code."""
        text = required_text("reason", reason, 500)
        if self.ctx.sealer.has_key(concern.child_id):
            return self.ctx.sealer.seal(concern.child_id, "retention.reason", text)
        return code("reason", text, ErasureReason).value

    def close(self, concern_id: str, reason: str, by: str) -> None:
        concern = self.ctx.concern(concern_id)
        concern.check_open_for_casework()  # before sealing: an erased child has no key
        concern.close(
            self.ctx.sealer.seal(
                concern.child_id, "closed.reason", required_text("reason", reason, 500)
            ),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(concern)
