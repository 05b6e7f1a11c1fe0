"""The gauges a scrape reads from the school's stores and broker when it comes: how deep the
referral queues are, how far each projection lags, how old the newest signed checkpoint is,
how many open referrals are past their deadline, and how long the certificates have left.

Read at scrape time rather than kept in one process, so every process of the school (the web,
a worker, the relay, the projection runner) reports the same truth. A family that cannot be
read (the broker down, say) is left out of that scrape and counted in
`safeshare_metrics_errors`; the scrape itself never fails. Labels are codes only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime

import structlog
from cryptography import x509
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from safeshare.adapters.metrics import urgency
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare
from sharing.pki import SchoolIdentity

log = structlog.get_logger("safeshare.metrics")
Family = Callable[[Safeshare, datetime], Iterable[Metric]]
GAUGES: dict[str, tuple[str, list[str]]] = {
    "safeshare_projection_lag": (
        "Notifications stored but not yet applied, by projection.",
        ["projection"],
    ),
    "safeshare_checkpoint_age_seconds": (
        "Seconds since the newest signed checkpoint of the integrity log.",
        [],
    ),
    "safeshare_queue_depth": (
        "Messages waiting in the referral queues, by queue (urgent, routine, dead).",
        ["queue"],
    ),
    "safeshare_referrals_overdue": (
        "Referrals not delivered and not yet escalated, past their delivery target.",
        ["urgency"],
    ),
    "safeshare_certificate_expiry_seconds": (
        "Seconds until the soonest certificate of each kind expires (school, agency).",
        ["whose"],
    ),
    "safeshare_metrics_errors": (
        "Gauge families this scrape could not read (see the process's log).",
        [],
    ),
}


def gauge(name: str) -> GaugeMetricFamily:
    help_text, labels = GAUGES[name]
    return GaugeMetricFamily(name, help_text, labels=labels)


class SchoolMetrics(Collector):
    """The school's gauges, one scrape at a time."""

    def __init__(self, school: Safeshare) -> None:
        self.school = school
        self._lock = threading.Lock()

    def collect(self) -> Iterable[Metric]:
        families: list[Family] = [
            _projection_lag,
            _checkpoint_age,
            _queue_depths,
            _overdue_referrals,
            _certificate_expiry,
        ]
        found: list[Metric] = []
        failed = 0
        with self._lock:
            now = self.school.ctx.clock()
            for family in families:
                try:
                    found.extend(family(self.school, now))
                except Exception as exc:  # one unreadable family never fails the scrape
                    failed += 1
                    log.warning("metric not read", family=family.__name__, error=type(exc).__name__)
        errors = gauge("safeshare_metrics_errors")
        errors.add_metric([], failed)
        return [*found, errors]

    def describe(self) -> Iterable[Metric]:
        return described()


def described() -> list[Metric]:
    """Every gauge family the school's processes can report, without reading anything."""
    return [gauge(name) for name in GAUGES]


def _projection_lag(s: Safeshare, now: datetime) -> Iterable[Metric]:
    lag = gauge("safeshare_projection_lag")
    for runner in ps.runners(s):
        status = runner.status()
        lag.add_metric([status.name], status.lag)
    yield lag


def _checkpoint_age(s: Safeshare, now: datetime) -> Iterable[Metric]:
    from safeshare.services.audit import audit_service

    times = [c.recorded_at for c in audit_service(s).checkpoints() if c.recorded_at is not None]
    if times:
        age = gauge("safeshare_checkpoint_age_seconds")
        age.add_metric([], max((now - max(times)).total_seconds(), 0.0))
        yield age


def _queue_depths(s: Safeshare, now: datetime) -> Iterable[Metric]:
    from kombu.connection import Connection

    from workers.config import URGENT

    url = s.settings.broker_url
    if not url:
        return
    prefix = s.settings.queue_prefix
    depth = gauge("safeshare_queue_depth")
    with Connection(url, connect_timeout=3) as conn:
        channel = conn.channel()
        try:
            for kind in (URGENT, "routine", "dead"):
                name = f"{prefix}referrals.{kind}"
                ok = channel.queue_declare(queue=name, passive=True)
                depth.add_metric([kind], ok.message_count)
        finally:
            channel.close()
    yield depth


def _overdue_referrals(s: Safeshare, now: datetime) -> Iterable[Metric]:
    from safeshare.services.dispatch_store import SafeshareDispatchStore

    counts = {"urgent": 0, "routine": 0}
    for o in SafeshareDispatchStore(s).open_referrals():
        if now >= o.due_by:
            counts[urgency(o.job.urgent)] += 1
    overdue = gauge("safeshare_referrals_overdue")
    for kind, n in counts.items():
        overdue.add_metric([kind], n)
    yield overdue


def _certificate_expiry(s: Safeshare, now: datetime) -> Iterable[Metric]:
    """The soonest-expiring certificate of each kind (the school's signing certificate; any
    agency's): seconds left, negative once expired."""
    school = SchoolIdentity.load(s.settings.data / "school").signing_certificate
    left = gauge("safeshare_certificate_expiry_seconds")
    left.add_metric(["school"], (school.not_valid_after_utc - now).total_seconds())
    agency_ends = []
    for agency in s.agencies.entries():
        try:
            cert = x509.load_pem_x509_certificate(str(agency.get("certificate_pem")).encode())
        except ValueError:
            continue
        agency_ends.append(cert.not_valid_after_utc)
    if agency_ends:
        left.add_metric(["agency"], (min(agency_ends) - now).total_seconds())
    yield left
