"""`safeshare health`: is this school's service able to do its work, and what will soon stop it?

For container health checks and for the person who runs the servers: the event store, the key
store, the broker, how far the projections lag, how old the newest signed checkpoint is, and the
certificates that expire within 30 days (the school's own and each agency's: an expired agency
certificate makes every referral to it escalate as a failed packet). A failure makes the service
unhealthy; a warning does not, but is said plainly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import uuid4

from cryptography import x509

from safeshare.services import projections as ps
from safeshare.services.certificate_expiry import EXPIRY_WARNING
from safeshare.services.school import Safeshare
from sharing.pki import SchoolIdentity

PROJECTION_LAG_WARNING = 1000


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


@dataclass(frozen=True)
class Health:
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(c.status is not Status.FAILED for c in self.checks)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.WARNING)


def check_health(s: Safeshare) -> Health:
    now = s.ctx.clock()
    checks = [
        _guarded("event store", lambda: _event_store(s)),
        _guarded("key store", lambda: _key_store(s)),
        _guarded("broker", lambda: _broker(s)),
        _guarded("projections", lambda: _projections(s)),
        _guarded("integrity log", lambda: _checkpoint_age(s, now)),
        _guarded("witnesses", lambda: _witnessed_age(s, now)),
        _guarded("school certificates", lambda: _school_certificates(s, now)),
    ]
    checks += _agency_certificates(s, now)
    return Health(tuple(checks))


def _guarded(name: str, check: object) -> Check:
    assert callable(check)
    try:
        status, detail = check()
    except Exception as e:  # a check that cannot run is a failed check, named
        return Check(name, Status.FAILED, f"{type(e).__name__}: {str(e)[:200]}")
    return Check(name, status, detail)


def _event_store(s: Safeshare) -> tuple[Status, str]:
    head = s.app.recorder.max_notification_id() or 0
    return Status.OK, f"{head} records"


def _key_store(s: Safeshare) -> tuple[Status, str]:
    s.keystore.get(uuid4())
    return Status.OK, "reachable"


def _broker(s: Safeshare) -> tuple[Status, str]:
    from kombu.connection import Connection

    url = s.settings.broker_url
    if url is None:
        return Status.OK, "embedded (no broker to reach)"
    with Connection(url, connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return Status.OK, "RabbitMQ reachable"


def _projections(s: Safeshare) -> tuple[Status, str]:
    rows = [r.status() for r in ps.runners(s)]
    worst = max(rows, key=lambda r: r.lag)
    status = Status.WARNING if worst.lag > PROJECTION_LAG_WARNING else Status.OK
    return status, f"largest lag {worst.lag} ({worst.name})"


def _checkpoint_age(s: Safeshare, now: datetime) -> tuple[Status, str]:
    from safeshare.services.audit import audit_service

    times = [c.recorded_at for c in audit_service(s).checkpoints() if c.recorded_at is not None]
    if not times:
        return Status.WARNING, "no signed checkpoint yet (`safeshare audit checkpoint`)"
    newest = max(times)
    age = now - newest
    allowed = timedelta(minutes=2 * s.settings.checkpoint_every_minutes)
    status = Status.WARNING if age > allowed else Status.OK
    return status, f"newest signed checkpoint {age_text(age)} old"


def _witnessed_age(s: Safeshare, now: datetime) -> tuple[Status, str]:
    """How old the newest checkpoint a witness cosigned is: what outside the school vouches
    for. No witness, or none for longer than two checkpoint intervals, is a warning."""
    from safeshare.services.audit import audit_service

    if not s.settings.witness_urls and s.settings.witness_addresses:
        return Status.WARNING, (
            f"{len(s.settings.witness_addresses)} witness(es) by email only: they keep copies "
            "but none cosigns (SAFESHARE_WITNESSES)"
        )
    if not s.settings.witness_urls:
        return Status.WARNING, (
            "no witness configured (SAFESHARE_WITNESSES): nothing outside the school keeps "
            "a copy of the history"
        )
    newest = audit_service(s).newest_witnessed()
    if newest is None:
        return Status.WARNING, "no checkpoint witnessed yet (`safeshare audit checkpoint`)"
    witness, size, at = newest
    allowed = timedelta(minutes=2 * s.settings.checkpoint_every_minutes)
    status = Status.WARNING if now - at > allowed else Status.OK
    return status, f"newest witnessed checkpoint (size {size}, {witness}) {age_text(now - at)} old"


def _school_certificates(s: Safeshare, now: datetime) -> tuple[Status, str]:
    school = SchoolIdentity.load(s.settings.data / "school")
    worst = Status.OK
    notes = []
    for label, cert in (
        ("CA", school.ca_certificate),
        ("signing", school.signing_certificate),
    ):
        status, note = _expiry(cert, now)
        notes.append(f"{label} {note}")
        worst = max(worst, status, key=_rank)
    return worst, "; ".join(notes)


def _agency_certificates(s: Safeshare, now: datetime) -> list[Check]:
    checks = []
    for agency in s.agencies.entries():
        pem = str(agency.get("certificate_pem") or "")
        name = f"agency {agency['agency_id']} certificate"
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            checks.append(Check(name, Status.WARNING, "no readable certificate"))
            continue
        status, note = _expiry(cert, now)
        # An agency's expired certificate stops referrals to it, not the service: a warning.
        checks.append(Check(name, min(status, Status.WARNING, key=_rank), note))
    return checks


def _expiry(cert: x509.Certificate, now: datetime) -> tuple[Status, str]:
    left = cert.not_valid_after_utc - now
    if left <= timedelta(0):
        return Status.FAILED, f"expired {age_text(-left)} ago"
    if left <= EXPIRY_WARNING:
        return Status.WARNING, f"expires in {age_text(left)}"
    return Status.OK, f"valid for {left.days} days"


def _rank(status: Status) -> int:
    return [Status.OK, Status.WARNING, Status.FAILED].index(status)


def age_text(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 7200:
        return f"{seconds // 3600} hours"
    return f"{max(seconds // 60, 0)} minutes"
