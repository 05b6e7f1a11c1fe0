"""Dispatch settings the workers need, as plain values handed in by the composition root.

A separate dataclass (not `safeshare.settings.Settings`) so that `workers/` stays importable
without the application, and so tests can build one directly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workers.ports import DispatchStore

URGENT = "urgent"
ROUTINE = "routine"


@dataclass(frozen=True)
class DispatchConfig:
    """How the relay, the broker and the deliver task behave for one school."""

    broker_url: str | None
    """amqp://... for RabbitMQ; None for the embedded SQLAlchemy transport over `broker_db`."""
    broker_db: Path
    queue_prefix: str = ""
    max_attempts: int = 8
    urgent_retry_base: float = 2.0
    urgent_retry_max: float = 60.0
    routine_retry_base: float = 60.0
    routine_retry_max: float = 1800.0
    reconcile_after: float = 2700.0
    """Routine: longer than the longest routine backoff, so a referral waiting for its retry
    is not mistaken for a lost one."""
    urgent_reconcile_after: float = 180.0
    reconcile_interval: float = 60.0
    delivery_limit: int = 20
    """RabbitMQ redeliveries of one message before it is dead-lettered (quorum queues)."""

    @property
    def embedded(self) -> bool:
        return not self.broker_url

    @property
    def url(self) -> str:
        """The broker URL Celery and kombu connect to."""
        if self.broker_url:
            return self.broker_url
        self.broker_db.parent.mkdir(parents=True, exist_ok=True)
        return f"sqla+sqlite:///{self.broker_db}"

    def name(self, base: str) -> str:
        """A queue or exchange name with this deployment's prefix."""
        return f"{self.queue_prefix}{base}"

    def queue_for(self, urgent: bool) -> str:
        return self.name("referrals.urgent" if urgent else "referrals.routine")

    def backoff(
        self, attempt: int, urgent: bool, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds before retry `attempt + 1`: exponential, capped, with "equal jitter" (half
        fixed, half random) so that many referrals failing together do not retry together."""
        base = self.urgent_retry_base if urgent else self.routine_retry_base
        cap = self.urgent_retry_max if urgent else self.routine_retry_max
        ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
        return float(ceiling / 2 + rng() * ceiling / 2)


@dataclass(frozen=True)
class Wiring:
    """What the composition root hands the workers: config, and how to open the store (once
    per worker process, after the fork, so no database connection crosses a fork)."""

    config: DispatchConfig
    open_store: Callable[[], DispatchStore]
    open_school_store: Callable[[str], DispatchStore] | None = None
    """Many schools on one set of workers: the store of the school a task message names
    (`workers.schools`); None for a deployment of one school."""
    active_schools: Callable[[], Sequence[str]] | None = None
    """Many schools: the ids of the active ones, whose stores a worker process opens as it
    starts (`workers.app`), so that no task waits for its school's store to open."""
