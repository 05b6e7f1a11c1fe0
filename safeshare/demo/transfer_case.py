"""`safeshare demo`, the file following the child: a second school (its own data folder, keys
and signing identity) imports the transfer packet, and its signed receipt is recorded at the
first. Every name is invented; everything goes through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from safeshare.services.school import Safeshare
from safeshare.services.transfers import ImportedTransfer

DSL = "DSL Ms Patel"
NEW_SCHOOL_ID = "elmfield-demo"


@dataclass(frozen=True)
class TransferDemo:
    referral_id: str
    imported: ImportedTransfer
    receipt: dict[str, object]


def run_transfer_demo(first: Safeshare, second: Safeshare, workdir: Path) -> TransferDemo:
    workdir.mkdir(parents=True, exist_ok=True)
    now = first.ctx.clock()
    if NEW_SCHOOL_ID not in {a["agency_id"] for a in first.agencies.entries()}:
        first.agencies.add(
            NEW_SCHOOL_ID,
            second.settings.school_name,
            "school",
            "smtp",
            "dsl@elmfield.example",
            second.transfers.transfer_certificate().decode(),
            DSL,
        )
    child = str(
        first.children.register(
            "Gus Demo-Moving",
            (now - timedelta(days=365 * 11 + 100)).date().isoformat(),
            by="Office",
            upn="D100000000009",
        )
    )
    first.children.record_person(
        child, "father", "Len Demo-Moving", DSL, parental_responsibility=True, lives_with_child=True
    )
    concern = str(
        first.concerns.raise_concern(
            child,
            "neglect",
            "Gus often arrives without a coat; known to early help.",
            (now - timedelta(days=20)).isoformat(),
            "Ms Li (TA)",
        )
    )
    first.concerns.record_consent(concern, "given", DSL, from_whom="parent")
    [referral] = first.concerns.decide(
        concern,
        True,
        "Gus is moving school: the child-protection file follows him (KCSIE).",
        DSL,
        purpose="Child-protection file transfer",
        to=[NEW_SCHOOL_ID],
    ).referral_ids
    packet = workdir / "transfer.p7m"
    first.packets.export(str(referral), packet, DSL)
    first_ca, second_ca = workdir / "first-school-ca.pem", workdir / "second-school-ca.pem"
    first_ca.write_bytes(first.packets.school.ca_pem())
    second_ca.write_bytes(second.packets.school.ca_pem())
    imported = second.transfers.import_packet(
        packet, first_ca, "DSL Mr Oak (Elmfield)", workdir / "receipt.p7s"
    )
    receipt = first.transfers.record_receipt(imported.receipt, second_ca, DSL)
    return TransferDemo(str(referral), imported, receipt)
