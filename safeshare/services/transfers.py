"""The file follows the child: the receiving school imports a transfer packet, and the sending
school records the signed receipt that comes back (KCSIE: "within 5 days for an in-year
transfer").

The receiving school opens packets with its own transfer key (`transfer-cert.pem`, which it
gives the sending school to add as a `school` agency), verifies the sender's signature against
the sender's CA certificate it trusts, and records what the packet says as a new child record
marked "transferred from <school> on <date>". Its receipt is a CMS SignedData over a small JSON
document naming the packet and the SHA-256 of what was opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from domain.codes import LABELS, Category, Relationship
from domain.errors import InvalidValue, PolicyRefusal
from domain.transfer import RECEIPT_SCHEMA, RULE, TransferIn
from safeshare.adapters.cms_verify import verified_content
from safeshare.services.children import ChildService
from safeshare.services.concerns import ConcernService
from safeshare.services.context import Context
from safeshare.services.packets import PacketService
from safeshare.validation import MAX_NAME, required_text
from sharing.cms import sign_packet
from sharing.packet import packet_sha256, parse_packet
from sharing.pki import generate_agency_keypair

TRANSFER_CERT = "transfer-cert.pem"
TRANSFER_KEY = "transfer-key.pem"
_BY_LABEL = {label.casefold(): code for code, label in LABELS.items() if code in set(Relationship)}


@dataclass(frozen=True)
class ImportedTransfer:
    transfer_id: str
    child_id: str
    concern_ids: list[str]
    from_school: str
    content_sha256: str
    receipt: Path


class TransferService:
    def __init__(
        self,
        ctx: Context,
        children: ChildService,
        concerns: ConcernService,
        packets: PacketService,
        school_dir: Path,
    ) -> None:
        self.ctx = ctx
        self.children = children
        self.concerns = concerns
        self.packets = packets
        self.school_dir = school_dir

    # -- the receiving school -------------------------------------------------------------------

    def transfer_certificate(self) -> bytes:
        """The certificate a sending school encrypts transfer packets to (made on first use;
        its key stays in the school's folder, readable by its owner only)."""
        cert_path = self.school_dir / TRANSFER_CERT
        if not cert_path.exists():
            keypair = generate_agency_keypair(
                f"{self.ctx.settings.school_name} file transfers", self.ctx.clock()
            )
            key_path = self.school_dir / TRANSFER_KEY
            key_path.touch(mode=0o600)
            key_path.write_bytes(keypair.private_key_pem())
            cert_path.write_bytes(keypair.certificate.pem())
        return cert_path.read_bytes()

    def _open(self, sealed: bytes) -> bytes:
        self.transfer_certificate()
        cert = x509.load_pem_x509_certificate((self.school_dir / TRANSFER_CERT).read_bytes())
        key = serialization.load_pem_private_key(
            (self.school_dir / TRANSFER_KEY).read_bytes(), password=None
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidValue("transfer-key", "the school's transfer key must be an RSA key")
        try:
            return pkcs7.pkcs7_decrypt_der(sealed, cert, key, [])
        except ValueError:
            raise InvalidValue(
                "packet", "this packet was not encrypted to this school's transfer certificate"
            ) from None

    def import_packet(
        self, packet: Path, sender_ca: Path, by: str, receipt_out: Path
    ) -> ImportedTransfer:
        """Open, verify and record a transfer packet; write the signed receipt to send back."""
        by = required_text("by", by, MAX_NAME)
        mime = verified_content(self._open(_read("packet", packet)), sender_ca)
        try:
            document = parse_packet(mime)
            packet_id = str(document["packet_id"])
            sent_at = datetime.fromisoformat(str(document["issued_at"]))
        except (ValueError, KeyError):
            raise InvalidValue("packet", "not a safeshare referral packet") from None
        if self.ctx.app.find(TransferIn.create_id(packet_id), TransferIn) is not None:
            raise PolicyRefusal(RULE, "this transfer packet has already been imported")
        content: dict[str, Any] = document["content"]
        from_school = str(document["school"])
        child_id = self._child(content, by)
        concern_ids = self._concerns(child_id, content, from_school, sent_at.date(), packet_id, by)
        digest = packet_sha256(mime)
        self.ctx.app.save(
            TransferIn(
                packet_id=packet_id,
                referral_id=str(document["referral_id"]),
                from_school=from_school,
                sent_at=sent_at,
                content_sha256=digest,
                child_id=child_id,
                concern_ids=concern_ids,
                imported_by=by,
            )
        )
        receipt = {
            "schema": RECEIPT_SCHEMA,
            "packet_id": packet_id,
            "referral_id": document["referral_id"],
            "content_sha256": digest,
            "received_at": self.ctx.clock().isoformat(),
            "school": self.ctx.settings.school_name,
        }
        body = json.dumps(receipt, sort_keys=True).encode("utf-8")
        receipt_out.write_bytes(sign_packet(body, self.packets.school))
        return ImportedTransfer(
            str(TransferIn.create_id(packet_id)),
            str(child_id),
            [str(c) for c in concern_ids],
            from_school,
            digest,
            receipt_out,
        )

    def _child(self, content: dict[str, Any], by: str) -> UUID:
        name, dob = content.get("child-name"), content.get("child-dob")
        if not name or not dob:
            raise InvalidValue("packet", "a transfer packet must name the child and give the DOB")
        child_id = self.children.register(
            str(name),
            str(dob),
            by=by,
            upn=content.get("child-upn"),
            nhs_number=content.get("child-nhs-number"),
            address=content.get("child-address"),
        )
        for member in content.get("household") or []:
            relationship = _BY_LABEL.get(str(member.get("relationship", "")).casefold())
            note = member.get("note") or ""
            self.children.record_person(
                str(child_id),
                relationship or Relationship.OTHER_HOUSEHOLD_MEMBER.value,
                str(member["name"]),
                by,
                parental_responsibility="parental responsibility" in note,
                lives_with_child="lives with the child" in note,
                note=note or None,
            )
        for p in content.get("professionals") or []:
            relationship = _BY_LABEL.get(str(p.get("role", "")).casefold())
            self.children.record_person(
                str(child_id),
                relationship or Relationship.OTHER_PROFESSIONAL.value,
                str(p["name"]),
                by,
                organisation=p.get("organisation") or None,
                contact=p.get("contact") or None,
            )
        return child_id

    def _concerns(
        self,
        child_id: UUID,
        content: dict[str, Any],
        from_school: str,
        on: date,
        packet_id: str,
        by: str,
    ) -> list[UUID]:
        facts = [str(f["text"]) for f in content.get("facts") or []]
        if not facts:
            raise InvalidValue("packet", "a transfer packet carries the facts")
        category = str(content.get("category") or Category.OTHER.value)
        observed = str(content.get("observed-at") or f"{on.isoformat()}T00:00:00+00:00")
        first = self.concerns.raise_concern(
            str(child_id), category, "\n".join(facts), observed, by, opinion=content.get("opinion")
        )
        made = [first]
        for entry in content.get("chronology") or []:
            made.append(
                self.concerns.raise_concern(
                    str(child_id),
                    Category.OTHER.value,
                    str(entry["summary"]),
                    f"{entry['date']}T00:00:00+00:00",
                    by,
                )
            )
        for concern_id in made:
            concern = self.ctx.concern(concern_id)
            concern.mark_transferred_in(from_school, on, packet_id, by)
            self.ctx.app.save(concern)
        return made

    # -- the sending school ---------------------------------------------------------------------

    def record_receipt(self, receipt: Path, receiver_ca: Path, by: str) -> dict[str, Any]:
        """The new school's signed receipt: verified against its CA certificate, matched to
        the referral's frozen packet by SHA-256, recorded; the 5-school-day measure closes."""
        by = required_text("by", by, MAX_NAME)
        try:
            body = json.loads(verified_content(_read("receipt", receipt), receiver_ca))
            if not isinstance(body, dict) or body.get("schema") != RECEIPT_SCHEMA:
                raise ValueError(RECEIPT_SCHEMA)
            received_at = datetime.fromisoformat(str(body["received_at"]))
            digest, school = str(body["content_sha256"]), str(body["school"])
        except (ValueError, KeyError):
            raise InvalidValue("receipt", f"not a {RECEIPT_SCHEMA} document") from None
        referral = self.packets.referral(str(body["referral_id"]))
        referral.record_transfer_receipt(digest, received_at, school, by)
        self.ctx.app.save(referral)
        return {
            "referral_id": str(referral.id),
            "receiving_school": body["school"],
            "received_at": body["received_at"],
            "content_sha256": body["content_sha256"],
        }


def _read(field: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise InvalidValue(field, f"cannot read {path}") from None
