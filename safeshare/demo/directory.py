"""The demonstration agencies: five entries in the school's directory, each with a key pair
made here so that the demo (and the tests) can open what was sent to them. A real school adds
its agencies' own certificates with `safeshare agency add`; `safeshare init` adds none."""

from __future__ import annotations

from pathlib import Path

from safeshare.services.school import Safeshare
from sharing.pki import generate_agency_keypair

DEMO_AGENCIES: list[tuple[str, str, str, str, str]] = [
    ("mash", "County Multi-Agency Safeguarding Hub", "mash", "smtp", "mash@county.example"),
    (
        "social-care",
        "Children's Social Care",
        "social-care",
        "https",
        "https://referrals.county.example/inbox",
    ),
    ("nspcc", "NSPCC Helpline", "nspcc", "smtp", "referrals@nspcc.example"),
    ("police", "Police Child Protection Unit", "police", "smtp", "cpu@police.example"),
    ("lado", "Local Authority Designated Officer", "lado", "smtp", "lado@county.example"),
]


def agency_dir(data: Path, agency_id: str) -> Path:
    """Where a demo agency's key pair is kept (the agency's side, for the demo only)."""
    return data / "agencies" / agency_id


def install_demo_agencies(s: Safeshare) -> list[Path]:
    """Add the demo agencies to an empty directory (idempotent); the key pairs made."""
    made: list[Path] = []
    if s.agencies.entries():
        return made
    now = s.ctx.clock()
    for agency_id, name, kind, channel, address in DEMO_AGENCIES:
        adir = agency_dir(s.settings.data, agency_id)
        cert_path = adir / "agency-cert.pem"
        if not cert_path.exists():
            pair = generate_agency_keypair(name, now)
            adir.mkdir(parents=True, exist_ok=True)
            key_path = adir / "agency-key.pem"
            key_path.touch(mode=0o600)
            key_path.write_bytes(pair.private_key_pem())
            cert_path.write_bytes(pair.certificate.pem())
            made.append(adir)
        s.agencies.add(
            agency_id, name, kind, channel, address, cert_path.read_text(), by="safeshare demo"
        )
    return made
