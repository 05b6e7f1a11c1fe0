"""`safeshare init`: everything a school needs before its first concern."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from safeshare.adapters.audit_key import create_audit_key
from safeshare.adapters.data_folder import (
    make_private_folder,
    restrict_new_files,
    secure_data_folder,
)
from safeshare.bootstrap import build, create_keys
from safeshare.settings import Settings

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
]


def school_dir(settings: Settings) -> Path:
    return settings.data / "school"


def agency_dir(settings: Settings, agency_id: str) -> Path:
    return settings.data / "agencies" / agency_id


def initialise(settings: Settings, now: datetime | None = None) -> list[Path]:
    """Create what is missing: keys, the school's signing identity, the demo agencies.

    Idempotent: running it again creates nothing that exists.
    """
    from sharing.pki import SchoolIdentity, generate_agency_keypair, generate_school_identity

    now = now or datetime.now(UTC)
    restrict_new_files()
    make_private_folder(settings.data)
    make_private_folder(settings.keys_dir)
    made = create_keys(settings)
    made += create_audit_key(settings)
    sdir = school_dir(settings)
    if not (sdir / "school-ca.pem").exists():
        generate_school_identity(settings.school_name, now).save(sdir)
        made.append(sdir)
    SchoolIdentity.load(sdir)
    s = build(settings)
    try:
        if not s.agencies.entries():
            for agency_id, name, kind, channel, address in DEMO_AGENCIES:
                adir = agency_dir(settings, agency_id)
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
                    agency_id,
                    name,
                    kind,
                    channel,
                    address,
                    cert_path.read_text(),
                    by="safeshare init",
                )
    finally:
        s.close()
    prepare_embedded_broker(settings)
    secure_data_folder(settings.data)
    return made


def prepare_embedded_broker(settings: Settings) -> None:
    """On the embedded default, create the broker's tables and queues now, once, so that
    `safeshare relay` and `safeshare worker` started together never race to create them."""
    if settings.broker_url:
        return
    from safeshare.dispatch import wiring_for
    from workers.celery_app import declare, make_celery

    wiring = wiring_for(settings)
    celery = make_celery(wiring)
    try:
        declare(celery, wiring.config)
    finally:
        celery.close()
