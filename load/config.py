"""The run's size, from the environment (`SAFESHARE_LOAD_*`), full size by default."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    return int(os.environ.get(f"SAFESHARE_LOAD_{name}", default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(f"SAFESHARE_LOAD_{name}", default))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(f"SAFESHARE_LOAD_{name}")
    return default if value is None else value.lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class LoadConfig:
    seconds: float = 300.0
    """The timed window."""
    clients: int = 50
    """Concurrent API clients, spread over the schools."""
    schools: int = 3
    backlog: int = 10_000
    """Routine referrals seeded (over the schools) before the window."""
    max_flows: int = 5_000
    """At most this many raise-and-decide flows in the window (the bound on requests)."""
    urgent_every: int = 5
    """One flow in this many shares urgently (with the police)."""
    drain_seconds: float = 1_800.0
    """After the window, how long to wait for every referral to be delivered."""
    kill_worker: bool = True
    restart_rabbitmq: bool = True
    web_workers: int = 2

    @classmethod
    def from_env(cls) -> LoadConfig:
        return cls(
            seconds=_float("SECONDS", cls.seconds),
            clients=_int("CLIENTS", cls.clients),
            schools=_int("SCHOOLS", cls.schools),
            backlog=_int("BACKLOG", cls.backlog),
            max_flows=_int("MAX_FLOWS", cls.max_flows),
            urgent_every=_int("URGENT_EVERY", cls.urgent_every),
            drain_seconds=_float("DRAIN_SECONDS", cls.drain_seconds),
            kill_worker=_flag("KILL_WORKER", cls.kill_worker),
            restart_rabbitmq=_flag("RESTART_RABBITMQ", cls.restart_rabbitmq),
            web_workers=_int("WEB_WORKERS", cls.web_workers),
        )
