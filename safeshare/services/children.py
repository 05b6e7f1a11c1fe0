"""Registering a child and erasing a child's personal data."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.child import Child
from domain.codes import ErasureReason
from domain.concern import Concern
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, day, optional_text, required_text


class ChildService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(
        self,
        name: str,
        date_of_birth: str,
        by: str,
        upn: str | None = None,
        nhs_number: str | None = None,
        address: str | None = None,
    ) -> UUID:
        """A new child with a fresh data key; every identifying field is sealed with it."""
        name = required_text("name", name, MAX_NAME)
        dob = day("dob", date_of_birth, self.ctx.clock().date())
        upn = optional_text("upn", upn, 20)
        nhs_number = optional_text("nhs-number", nhs_number, 20)
        address = optional_text("address", address, 500)
        by = required_text("by", by, MAX_NAME)
        child_id = uuid4()
        sealer = self.ctx.sealer
        sealer.new_child_key(child_id)
        try:
            child = Child(
                name=sealer.seal(child_id, "child.name", name),
                date_of_birth=sealer.seal(child_id, "child.dob", dob.isoformat()),
                upn=sealer.seal_optional(child_id, "child.upn", upn),
                nhs_number=sealer.seal_optional(child_id, "child.nhs_number", nhs_number),
                address=sealer.seal_optional(child_id, "child.address", address),
                registered_by=by,
                id=child_id,
            )
            self.ctx.app.save(child)
        except BaseException:
            sealer.destroy_child_key(child_id)  # no orphan key for a child never recorded
            raise
        return child_id

    def erase(self, child_id: str, reason: str, by: str) -> list[UUID]:
        """Crypto-shredding: destroy the child's key, then record the erasure on the child and
        on each of the child's concerns; returns those concerns' ids.

        The events are saved first: if the process stops before the key is destroyed, the
        record already says "erased", reads show "[erased]", and `reapply_erasures` finishes
        the job (as it does after a key-store backup is restored)."""
        child = self.ctx.child(child_id)
        reason = code("reason", reason, ErasureReason).value
        by = required_text("by", by, MAX_NAME)
        child.erase(reason, by)
        concerns: list[Aggregate] = []
        for concern_id in self.concern_ids(child.id):
            concern = self.ctx.app.get(concern_id, Concern)
            concern.record_child_data_erased(by)
            concerns.append(concern)
        self.ctx.app.save(child, *concerns)
        self.ctx.sealer.destroy_child_key(child.id)
        return [c.id for c in concerns]

    def concern_ids(self, child_id: UUID) -> list[UUID]:
        """The child's concerns, from the notification log (the projections index this)."""
        found: list[UUID] = []
        for n in self.ctx.app.recorder.select_notifications(
            start=None, limit=10**9, topics=[Concern.Raised.TOPIC]
        ):
            event = self.ctx.app.mapper.to_domain_event(n)
            if getattr(event, "child_id", None) == child_id:
                found.append(event.originator_id)
        return found

    def reapply_erasures(self) -> int:
        """Destroy the key of every child whose erasure is recorded (after a key-store restore)."""
        destroyed = 0
        for n in self.ctx.app.recorder.select_notifications(
            start=None, limit=10**9, topics=[Child.Erased.TOPIC]
        ):
            if self.ctx.sealer.destroy_child_key(UUID(str(n.originator_id))):
                destroyed += 1
        return destroyed
