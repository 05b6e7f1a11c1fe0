"""What each process tells Prometheus: counters and histograms the code moves, and gauges read
at scrape time (`safeshare.services.metrics`).

Labels are codes only (an urgency, a reason code, a sign-in step, a projection's name, a
queue's kind): never a person, a child, an email address or any id. A school's processes
are scraped per school, so no label names the school either.

Several processes of one service (the web's uvicorn workers, a prefork worker's pool) share
their counters through prometheus_client's multiprocess mode: set `PROMETHEUS_MULTIPROC_DIR`
to an empty folder shared by them (docker-compose.yml: a tmpfs) and each scrape sums them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

SIGN_IN_FAILURES = Counter(
    "safeshare_sign_in_failures",
    "Sign-ins refused, by step (password, second-factor) and channel (web, cli).",
    ["step", "via"],
)
ESCALATIONS = Counter(
    "safeshare_referral_escalations",
    "Referrals escalated to the DSL, by urgency and reason code.",
    ["urgency", "reason"],
)
DELIVERY_SECONDS = Histogram(
    "safeshare_referral_delivery_seconds",
    "From a referral's preparation (or the DSL's retry) to its delivery, by urgency.",
    ["urgency"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600),
)


def urgency(urgent: bool) -> str:
    return "urgent" if urgent else "routine"


def reason_code(reason: str) -> str:
    """The kind of an escalation reason (`permanent-failure:tls` is `permanent-failure`): a
    handful of values, so the series stay few."""
    return reason.split(":", 1)[0][:40]


class Joined(Collector):
    """Several collectors scraped as one."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            yield from source.collect()


def process_metrics() -> Collector:
    """This process's counters, or (in multiprocess mode) every sibling process's, summed."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def exposition(school: Collector | None = None) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    sources = [process_metrics()] + ([school] if school is not None else [])
    return generate_latest(Joined(sources)), CONTENT_TYPE_LATEST


def serve(port: int, addr: str, school: Collector | None = None) -> None:
    """`/metrics` on `addr:port` from a daemon thread (the relay, the workers, the projection
    runner: processes with no web server of their own)."""
    sources = [process_metrics()] + ([school] if school is not None else [])
    start_http_server(port, addr, registry=Joined(sources))
