"""Referral packets: what one recipient receives for one decision, minimised, sealed.

The packet is assembled from the record when the share is decided (opened with the child's
key), cut to the fields the decision names for that recipient, and frozen on the referral in
the decision's own transaction, sealed with the child's key, with its SHA-256 (golden rule 7:
"record what you have shared"). Every send signs and encrypts exactly that frozen document.
Its id is derived from the referral, so every attempt carries the same id: the dedup key an
agency sees. Referrals decided before freezing existed are built from the record at sealing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.child import Child
from domain.codes import label
from domain.concern import Concern
from domain.concern_values import Decision
from domain.directory import referred_through_portal
from domain.errors import InvalidValue
from domain.packet_fields import PacketField
from domain.recipient import Recipient
from domain.referral import Referral
from safeshare.adapters.safe_output import OutputGuard
from safeshare.services.agencies import AgencyService
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, identifier, required_text
from sharing import packet_content as pc
from sharing.cms import SealedPacket, seal_packet
from sharing.packet import build_packet, packet_sha256
from sharing.pki import SchoolIdentity, certificate_fingerprint, load_agency_certificate

_PACKET_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/packet")
HISTORICAL_AFTER = timedelta(days=365)
FROZEN_PREFIX = "MIME-Version: 1.0\r\n"


def packet_id_for(referral_id: UUID) -> str:
    return str(uuid5(_PACKET_NAMESPACE, referral_id.hex))


@dataclass(frozen=True)
class ReadyPacket:
    packet_id: str
    referral_id: UUID
    agency: dict[str, Any]
    urgent: bool
    sealed: SealedPacket


class PacketService:
    def __init__(self, ctx: Context, agencies: AgencyService, school_dir: Path) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.school_dir = school_dir

    @cached_property
    def school(self) -> SchoolIdentity:
        return SchoolIdentity.load(self.school_dir)

    def referral(self, referral_id: str | UUID) -> Referral:
        rid = identifier("referral", referral_id)
        found = self.ctx.app.find(rid, Referral)
        if found is None:
            raise InvalidValue("referral", f"no referral with id {rid}")
        return found

    def content(
        self,
        referral: Referral,
        now: datetime,
        agency: dict[str, Any] | None = None,
        concern: Concern | None = None,
    ) -> pc.PacketContent:
        """The packet's content from the record as it stands at `now` (`concern`: the record
        being decided, not yet saved). Only what the referral's fields name is looked up (the
        chronology, across all the child's concerns, only for a recipient that receives it)."""
        concern = concern or self.ctx.app.read(referral.concern_id, Concern)
        child = self.ctx.app.read(referral.child_id, Child)
        if child.erased:
            raise InvalidValue("referral", "the child's personal data has been erased")
        decision = concern.decisions[referral.decision_no - 1]
        agency = agency or self.recipient_of(referral)
        u = self.ctx.sealer.unseal
        cid = child.id
        consent = concern.consent
        basis = concern.lawful_basis
        dob = u(cid, child.date_of_birth)
        wanted = frozenset(PacketField(f) for f in referral.fields)
        historical = now - concern.observed_at > HISTORICAL_AFTER
        actions = [
            f"Advice sought from {self.ctx.sealer.open_text(cid, a.from_whom)}"
            for a in concern.advice
        ]
        actions.append(f"Decision to share recorded by {decision.decided_by}")
        return pc.PacketContent(
            packet_id=packet_id_for(referral.id),
            referral_id=str(referral.id),
            recipient_id=referral.agency_id,
            recipient_name=agency["name"],
            school=self.ctx.settings.school_name,
            issued_at=now,
            urgent=referral.urgent,
            purpose=u(cid, decision.purpose) or "",
            consent=pc.ConsentStatus(
                status=consent.status.value,
                from_whom=consent.from_whom.value if consent.from_whom else None,
                reason=label(consent.not_sought_reason) if consent.not_sought_reason else None,
            ),
            lawful_basis=None
            if basis is None
            else pc.LawfulBasis(
                article6=basis.article6.value,
                article9=basis.article9.value if basis.article9 else None,
                justification=u(cid, basis.justification) or "",
            ),
            category=concern.category.value,
            facts=self.facts(concern, decision, referral.identifiable, historical),
            opinion=u(cid, concern.opinion if referral.identifiable else decision.redacted_opinion),
            observed_at=concern.observed_at,
            risk=pc.Risk(
                immediate_risk=concern.immediate_risk,
                crime_suspected=concern.crime_suspected,
                reasoning=u(cid, decision.reasons) or "",
            ),
            child=pc.ChildIdentity(
                name=u(cid, child.name),
                dob=date.fromisoformat(dob) if dob and dob[0].isdigit() else None,
                address=u(cid, child.address),
                school=self.ctx.settings.school_name,
                upn=u(cid, child.upn),
                nhs_number=u(cid, child.nhs_number),
            ),
            household=self.household(child) if PacketField.HOUSEHOLD in wanted else (),
            professionals=(
                self.professionals(child) if PacketField.PROFESSIONALS in wanted else ()
            ),
            referrer=pc.Referrer(name=concern.raised_by, role="member of staff"),
            allegation=(
                None
                if concern.allegation is None
                else pc.AllegationDetails(
                    about=u(cid, concern.allegation.subject) or "",
                    about_headteacher=concern.allegation.about_headteacher,
                    case_manager_role=concern.allegation.case_manager_role.value,
                    case_manager=concern.allegation.case_manager,
                )
            ),
            actions_taken=tuple(actions),
            chronology=(
                self.chronology(child.id, concern.id)
                if PacketField.CHRONOLOGY.value in referral.fields
                else ()
            ),
        )

    def facts(
        self, concern: Concern, decision: Decision, identifiable: bool, historical: bool
    ) -> tuple[pc.Fact, ...]:
        """The facts as they stand (corrected, with addenda); for a share that does not
        identify the child, only the DSL's redacted version, never the original."""
        u = self.ctx.sealer.unseal
        cid = concern.child_id
        if not identifiable:
            return (pc.Fact(u(cid, decision.redacted_facts) or "", historical=historical),)
        return (
            pc.Fact(u(cid, concern.facts) or "", historical=historical),
            *(
                pc.Fact(f"Addendum: {u(cid, a.text) or ''}", historical=historical)
                for a in concern.addenda
            ),
        )

    def household(self, child: Child) -> tuple[pc.HouseholdMember, ...]:
        """Parents, carers, siblings and others in the household, as the packet names them."""
        u = self.ctx.sealer.unseal
        members = []
        for p in child.people.values():
            if not p.in_household:
                continue
            facts = [
                "parental responsibility" if p.parental_responsibility else "",
                "lives with the child" if p.lives_with_child else "",
                u(child.id, p.note) or "",
            ]
            members.append(
                pc.HouseholdMember(
                    name=u(child.id, p.name) or "",
                    relationship=label(p.relationship),
                    note="; ".join(f for f in facts if f) or None,
                )
            )
        return tuple(members)

    def professionals(self, child: Child) -> tuple[pc.Professional, ...]:
        """Other professionals involved with the child."""
        u = self.ctx.sealer.unseal
        return tuple(
            pc.Professional(
                name=u(child.id, p.name) or "",
                role=label(p.relationship),
                organisation=u(child.id, p.organisation) or "",
                contact=u(child.id, p.contact),
            )
            for p in child.people.values()
            if p.is_professional
        )

    def chronology(self, child_id: UUID, exclude: UUID) -> tuple[pc.ChronologyEntry, ...]:
        from safeshare.services.children import ChildService

        entries = []
        for concern_id in ChildService(self.ctx).concern_ids(child_id):
            if concern_id == exclude:
                continue
            c = self.ctx.app.get(concern_id, Concern)
            entries.append(
                pc.ChronologyEntry(
                    occurred_on=c.observed_at.date(),
                    summary=f"{label(c.category)}: {self.ctx.sealer.unseal(child_id, c.facts)}",
                )
            )
        return tuple(sorted(entries, key=lambda e: e.occurred_on))

    def build(self, referral: Referral, now: datetime, concern: Concern | None = None) -> bytes:
        """The packet's MIME document, minimised to the referral's fields, from the record."""
        fields = frozenset(PacketField(f) for f in referral.fields)
        return build_packet(self.content(referral, now, concern=concern), fields)

    def freeze(self, referral: Referral, concern: Concern, now: datetime) -> None:
        """Fix what the referral shares at the decision: the MIME document sealed with the
        child's key, and its SHA-256, recorded on the referral (saved with the decision)."""
        mime = self.build(referral, now, concern)
        sealed = self.ctx.sealer.seal(referral.child_id, "referral.packet", mime.decode("utf-8"))
        referral.freeze_content(sealed, packet_sha256(mime))

    def mime_of(self, referral: Referral) -> bytes:
        """What the referral sends: its frozen packet (or, for one decided before freezing,
        the packet built from the record now)."""
        if referral.frozen_packet is None:
            return self.build(referral, self.ctx.clock())
        text = self.ctx.sealer.unseal(referral.child_id, referral.frozen_packet)
        if text is None or not text.startswith(FROZEN_PREFIX):
            raise InvalidValue(
                "referral", "the frozen packet cannot be opened: erased, or altered at rest"
            )
        return text.encode("utf-8")

    def seal(self, referral: Referral) -> ReadyPacket:
        """Sign and encrypt the referral's frozen packet for its agency."""
        now = self.ctx.clock()
        agency = self.recipient_of(referral)
        recipient = load_agency_certificate(agency["certificate_pem"].encode(), now)
        sealed = seal_packet(self.mime_of(referral), self.school, recipient)
        return ReadyPacket(packet_id_for(referral.id), referral.id, agency, referral.urgent, sealed)

    def recipient_of(self, referral: Referral) -> dict[str, Any]:
        """Whom the referral goes to: the certificate, channel and address frozen on it when
        the DSL decided (or confirmed a changed entry), never the directory's later entry."""
        frozen = referral.recipient
        if frozen is None:  # prepared before recipients were frozen on referrals
            return self.agencies.get(referral.agency_id)
        found = self.agencies.entries()
        current = next((a for a in found if a["agency_id"] == referral.agency_id), {})
        return {**current, "agency_id": referral.agency_id, **frozen.frozen_fields()}

    def portal_of(self, referral: Referral) -> str | None:
        """The portal this referral is uploaded to (as frozen at the decision), if it is never
        mailed."""
        agency = self.recipient_of(referral)
        return str(agency["portal"]) if referred_through_portal(agency) else None

    def recipient_changed(self, referral: Referral) -> bool:
        """True when the directory's entry no longer matches what is frozen on the referral."""
        frozen = referral.recipient
        if frozen is None:
            return False
        return self._current_recipient(referral).route != frozen.route

    def _current_recipient(self, referral: Referral) -> Recipient:
        """The directory's entry for the referral's agency, as a referral decided now would go."""
        current = self.agencies.get(referral.agency_id)
        pem = str(current["certificate_pem"]).encode()
        return Recipient.of_entry(current, certificate_fingerprint(pem))

    def confirm_recipient(self, referral_id: str, by: str) -> dict[str, Any]:
        """The DSL confirms that a decided referral goes to its agency's changed entry (a
        recorded event on the referral); the new recipient, as frozen."""
        referral = self.referral(referral_id)
        referral.confirm_changed_recipient(
            self._current_recipient(referral), required_text("by", by, MAX_NAME)
        )
        self.ctx.app.save(referral)
        frozen = referral.recipient
        assert frozen is not None
        return {k: v for k, v in frozen.frozen_fields().items() if k != "certificate_pem"}

    def export(self, referral_id: str, out: Path, by: str, force: bool = False) -> ReadyPacket:
        """For a DSL who must upload the packet to a portal by hand; recorded on the referral.

        Written only where `OutputGuard` allows (never over a file without `force`, never
        through a link, never among the keys)."""
        referral = self.referral(referral_id)
        ready = self.seal(referral)
        OutputGuard.of(self.ctx.settings).write_file("out", out, ready.sealed.der, force)
        referral.record_packet_exported(by, ready.sealed.sha256)
        self.ctx.app.save(referral)
        return ready
