"""`safeshare init`: everything a school needs before its first concern: its keys, its signing
identity and its audit key. No agencies: the school adds its own (`safeshare agency add`), and
the demo agencies come only from `safeshare demo`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from safeshare.adapters.audit_key import create_audit_key
from safeshare.bootstrap import build, create_keys, utc_now
from safeshare.settings import Settings
from sharing.pki import SchoolIdentity, generate_school_identity


def school_dir(settings: Settings) -> Path:
    return settings.data / "school"


def initialise(settings: Settings, clock: Callable[[], datetime] = utc_now) -> list[Path]:
    """Create what is missing: keys, the school's signing identity, the audit key, the stores.

    Idempotent: running it again creates nothing that exists.
    """

    now = clock()
    settings.data.mkdir(parents=True, exist_ok=True)
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
    return made
