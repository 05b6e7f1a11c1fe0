"""`safeshare init`: everything a school needs before its first concern: its keys, its signing
identity and its audit key. No agencies: the school adds its own (`safeshare agency add`), and
the demo agencies come only from `safeshare demo`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from safeshare.adapters.audit_key import create_audit_key
from safeshare.adapters.data_folder import (
    make_private_folder,
    restrict_new_files,
    secure_data_folder,
)
from safeshare.bootstrap import build, create_keys, utc_now, wiring_for
from safeshare.settings import Settings
from sharing.pki import SchoolIdentity, generate_school_identity


def school_dir(settings: Settings) -> Path:
    return settings.data / "school"


def initialise(settings: Settings, clock: Callable[[], datetime] = utc_now) -> list[Path]:
    """Create what is missing: keys, the school's signing identity, the audit key, the stores.

    Idempotent: running it again creates nothing that exists.
    """

    now = clock()
    restrict_new_files()
    make_private_folder(settings.data)
    make_private_folder(settings.keys_dir)
    made = create_keys(settings)
    made += create_audit_key(settings)
    sdir = school_dir(settings)
    if not (sdir / "school-ca.pem").exists():
        generate_school_identity(
            settings.school_name, now, sender_address=settings.smtp_sender
        ).save(sdir)
        made.append(sdir)
    SchoolIdentity.load(sdir)
    build(settings, clock).close()  # creates the stores
    prepare_embedded_broker(settings)
    secure_data_folder(settings.data)
    return made


def prepare_embedded_broker(settings: Settings) -> None:
    """On the embedded default, create the broker's tables and queues now, once, so that
    `safeshare relay` and `safeshare worker` started together never race to create them."""
    if settings.broker_url:
        return
    from workers.celery_app import declare, make_celery

    wiring = wiring_for(settings)
    celery = make_celery(wiring)
    try:
        declare(celery, wiring.config)
    finally:
        celery.close()
