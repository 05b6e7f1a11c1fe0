"""A referral decided on the record opens, as an agency would open it, with `openssl cms`,
and carries exactly the fields the decision gave that agency."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from safeshare.services.school import Safeshare
from sharing.packet import parse_packet
from tests.support import CANARY_FACT, CANARY_NAME, ago, born


def open_as_agency(school: Safeshare, agency_id: str, packet: Path, tmp: Path) -> bytes:
    agency = school.settings.data / "agencies" / agency_id
    ca = tmp / "school-ca.pem"
    ca.write_bytes(school.packets.school.ca_pem())
    signed = tmp / "signed.der"
    mime = tmp / "packet.mime"
    subprocess.run(
        [
            "openssl",
            "cms",
            "-decrypt",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(packet),
            "-recip",
            str(agency / "agency-cert.pem"),
            "-inkey",
            str(agency / "agency-key.pem"),
            "-out",
            str(signed),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(signed),
            "-CAfile",
            str(ca),
            "-out",
            str(mime),
        ],
        check=True,
        capture_output=True,
    )
    return mime.read_bytes()


def share_canary_case(school: Safeshare, to: list[str], **kwargs: Any) -> list[str]:
    child = str(
        school.children.register(
            CANARY_NAME,
            born(school.ctx.clock, 11),
            by="Office",
            upn="C123456789012",
            address="1 Canary Row",
        )
    )
    cid = str(
        school.concerns.raise_concern(
            child,
            "physical-abuse",
            CANARY_FACT,
            ago(school.ctx.clock, hours=2),
            "Ms Green",
            opinion="I think he is frightened of going home.",
            crime_suspected=True,
        )
    )
    school.concerns.record_consent(cid, "not-sought", "DSL", reason="risk-to-child")
    school.concerns.record_lawful_basis(
        cid, "public-task", "Risk of harm", "DSL", article9="safeguarding"
    )
    result = school.concerns.decide(
        cid, True, "Disclosure", "DSL", purpose="Strategy", to=to, **kwargs
    )
    return [str(r) for r in result.referral_ids]


def test_a_police_referral_opens_with_openssl_and_carries_no_upn(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    school = sqlite_school
    (referral,) = share_canary_case(school, ["police"])
    out = tmp_path / "referral.p7m"
    ready = school.packets.export(referral, out, "DSL")
    raw = out.read_bytes()
    assert CANARY_NAME.encode() not in raw and b"canary-fact" not in raw
    document = parse_packet(open_as_agency(school, "police", out, tmp_path))
    assert document["referral_id"] == referral
    assert document["recipient_id"] == "police"
    assert document["packet_id"] == ready.packet_id
    content = document["content"]
    assert isinstance(content, dict)
    referral_fields = school.packets.referral(referral).fields
    assert sorted(content) == sorted(referral_fields)
    assert "child-upn" not in content
    assert CANARY_NAME in str(content["child-name"])
    assert CANARY_FACT in str(content["facts"])


def test_a_narrowed_share_sends_only_the_fields_the_dsl_chose(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    school = sqlite_school
    (referral,) = share_canary_case(
        school, ["police"], fields={"police": ["category", "facts", "risk", "child-name"]}
    )
    out = tmp_path / "referral.p7m"
    school.packets.export(referral, out, "DSL")
    content = parse_packet(open_as_agency(school, "police", out, tmp_path))["content"]
    assert isinstance(content, dict)
    assert sorted(content) == ["category", "child-name", "facts", "risk"]


def test_the_packet_export_is_recorded_on_the_referral(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    school = sqlite_school
    (referral,) = share_canary_case(school, ["police"])
    ready = school.packets.export(referral, tmp_path / "p.p7m", "DSL Ms Patel")
    assert school.packets.referral(referral).packet_sha256 == ready.sealed.sha256
