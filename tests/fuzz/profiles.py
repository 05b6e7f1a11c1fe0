"""How long the fuzzing harness runs: bounded and derandomised under `make test`, longer and
random under `make fuzz` (`SAFESHARE_HYPOTHESIS_PROFILE=fuzz`)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "database": None,
}

PROFILES = {
    "bounded": settings(max_examples=30, derandomize=True, **_COMMON),  # type: ignore[arg-type]
    "fuzz": settings(max_examples=5000, **_COMMON),  # type: ignore[arg-type]
}

FUZZ: settings = PROFILES[os.environ.get("SAFESHARE_HYPOTHESIS_PROFILE", "bounded")]
"""Decorate each fuzz test with this (never loaded globally: other tests keep their own)."""
