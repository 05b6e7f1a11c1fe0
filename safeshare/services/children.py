"""Registering a child and erasing a child's personal data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.child import Child
from domain.codes import ErasureReason, Relationship, label
from domain.concern import Concern
from safeshare.adapters.audit_key import load_audit_key
from safeshare.adapters.erasure_tombstones import ErasureTombstones
from safeshare.services.context import Context
from safeshare.services.witnessing import send_tombstones
from safeshare.validation import MAX_NAME, code, day, optional_text, required_text

log = logging.getLogger("safeshare.audit")


@dataclass(frozen=True)
class PersonView:
    """One person around the child, as a DSL reads it."""

    person_id: str
    relationship: str
    relationship_label: str
    name: str
    parental_responsibility: bool
    lives_with_child: bool
    professional: bool
    organisation: str | None
    contact: str | None
    note: str | None


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
        child = self.new_child(name, date_of_birth, by, upn, nhs_number, address)
        try:
            self.ctx.app.save(child)
        except BaseException:
            self.ctx.sealer.destroy_child_key(child.id)  # no orphan key for a child never recorded
            raise
        return child.id

    def new_child(
        self,
        name: str,
        date_of_birth: str,
        by: str,
        upn: str | None = None,
        nhs_number: str | None = None,
        address: str | None = None,
    ) -> Child:
        """The child `register` records, not yet saved: its key made, its fields sealed."""
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
            return Child(
                name=sealer.seal(child_id, "child.name", name),
                date_of_birth=sealer.seal(child_id, "child.dob", dob.isoformat()),
                upn=sealer.seal_optional(child_id, "child.upn", upn),
                nhs_number=sealer.seal_optional(child_id, "child.nhs_number", nhs_number),
                address=sealer.seal_optional(child_id, "child.address", address),
                registered_by=by,
                id=child_id,
            )
        except BaseException:
            sealer.destroy_child_key(child_id)
            raise

    def record_person(
        self,
        child_id: str,
        relationship: str,
        name: str,
        by: str,
        parental_responsibility: bool = False,
        lives_with_child: bool = False,
        organisation: str | None = None,
        contact: str | None = None,
        note: str | None = None,
    ) -> str:
        """A parent, carer, household member, sibling or professional around the child; every
        detail sealed with the child's key. Returns the person's id."""
        child = self.ctx.child(child_id)
        rel = code("relationship", relationship, Relationship)
        seal = self.ctx.sealer
        person_id = str(uuid4())
        child.record_person(
            person_id,
            rel,
            seal.seal(child.id, "person.name", required_text("name", name, MAX_NAME)),
            required_text("by", by, MAX_NAME),
            parental_responsibility=parental_responsibility,
            lives_with_child=lives_with_child,
            organisation=seal.seal_optional(
                child.id, "person.organisation", optional_text("organisation", organisation, 200)
            ),
            contact=seal.seal_optional(
                child.id, "person.contact", optional_text("contact", contact, 200)
            ),
            note=seal.seal_optional(child.id, "person.note", optional_text("note", note, 500)),
        )
        self.ctx.app.save(child)
        return person_id

    def remove_person(self, child_id: str, person_id: str, reason: str, by: str) -> None:
        child = self.ctx.child(child_id)
        child.check_not_erased()  # before sealing: an erased child has no key
        child.remove_person(
            required_text("person", person_id, 64),
            self.ctx.sealer.seal(
                child.id, "person.removed_reason", required_text("reason", reason, 500)
            ),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(child)

    def people(self, child_id: str) -> list[PersonView]:
        """The people around the child, opened for a reader of the case."""
        child = self.ctx.child(child_id)
        u = self.ctx.sealer.unseal
        return [
            PersonView(
                person_id=p.person_id,
                relationship=p.relationship.value,
                relationship_label=label(p.relationship),
                name=u(child.id, p.name) or "",
                parental_responsibility=p.parental_responsibility,
                lives_with_child=p.lives_with_child,
                professional=p.is_professional,
                organisation=u(child.id, p.organisation),
                contact=u(child.id, p.contact),
                note=u(child.id, p.note),
            )
            for p in child.people.values()
        ]

    def erase(self, child_id: str, reason: str, by: str) -> list[UUID]:
        """Crypto-shredding: destroy the child's key, then record the erasure on the child and
        on each of the child's concerns; returns those concerns' ids.

        The events are saved first: if the process stops before the key is destroyed, the
        record already says "erased", reads show "[erased]", and `reapply_erasures` finishes
        the job (as it does after a key-store backup is restored)."""
        child = self.ctx.child(child_id)
        reason = code("reason", reason, ErasureReason).value
        by = required_text("by", by, MAX_NAME)
        return self.erase_loaded(child, reason, by)

    def erase_loaded(self, child: Child, reason: str, by: str) -> list[UUID]:
        """Erase a loaded child (with any change already made to it, such as the retention
        review that decided it), saving everything in one transaction, then destroy the key."""
        child.erase(reason, by)
        concerns: list[Aggregate] = []
        for concern_id in self.concern_ids(child.id):
            concern = self.ctx.app.get(concern_id, Concern)
            concern.record_child_data_erased(by)
            concerns.append(concern)
        self.ctx.app.save(child, *concerns)
        try:  # the id goes on the tombstone list, kept outside the data folder, for restores
            ErasureTombstones(self.ctx.settings.tombstones_path).add(child.id)
        finally:  # and the key is destroyed even if the list could not be written
            self.ctx.sealer.destroy_child_key(child.id)
        self._tell_witnesses()
        return [c.id for c in concerns]

    def leave_roll(self, child_id: UUID, by: str) -> bool | None:
        """The pupil has left the roll: recorded once, with whether the school holds a
        child-protection file (then the transfer task opens). Returns None if nothing was
        recorded (already off the roll, or erased), else whether a transfer is due."""
        child = self.ctx.app.find(child_id, Child)
        if child is None:
            return None
        has_file = bool(self.concern_ids(child.id))
        if not child.leave_roll(self.ctx.clock(), has_file, required_text("by", by, MAX_NAME)):
            return None
        self.ctx.app.save(child)
        return has_file

    def return_to_roll(self, child_id: UUID, by: str) -> bool:
        child = self.ctx.app.find(child_id, Child)
        if child is None or not child.return_to_roll(required_text("by", by, MAX_NAME)):
            return False
        self.ctx.app.save(child)
        return True

    def _tell_witnesses(self) -> None:
        """Send the tombstones (ids only) to the school's witnesses now; one that cannot be
        reached gets them with the next checkpoint (`AuditService.witness_pending`)."""
        settings = self.ctx.settings
        if not settings.witness_urls:
            return
        try:
            send_tombstones(settings, load_audit_key(settings))
        except Exception as e:  # the erasure stands whatever a witness says
            log.warning("erasure tombstones not sent to the witnesses: %s", type(e).__name__)

    def concern_ids(self, child_id: UUID) -> list[UUID]:
        """The child's concerns, in the order they were raised, from the case index written
        with each concern's events: costs the child's concerns, not the school's history."""
        return self.ctx.app.index.concerns_of_child(child_id)

    def reapply_erasures(self) -> int:
        """Destroy the key of every child whose erasure is recorded (after a key-store restore).

        This reads every erasure in the log from the start: acceptable because it runs once
        per restore, never as part of a person's or a worker's routine work."""
        destroyed = 0
        for child_id in self.erased_ids():
            if self.ctx.sealer.destroy_child_key(child_id):
                destroyed += 1
        return destroyed

    def erased_ids(self) -> set[UUID]:
        """Every child whose erasure the event store records. A whole-log read on purpose: only
        a restore (`backups`) and `reapply_erasures` ask, once per restore."""
        return {
            UUID(str(n.originator_id))
            for n in self.ctx.app.recorder.select_notifications(
                start=None, limit=10**9, topics=[Child.Erased.TOPIC]
            )
        }
