"""How long the fuzzing harness runs: bounded and derandomised under `make test` (the "ci"
profile that tests/conftest.py loads), longer and random under `make fuzz`
(`HYPOTHESIS_PROFILE=fuzz`)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

FUZZ: settings = settings(
    settings.get_profile(_PROFILE),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    **({} if _PROFILE == "fuzz" else {"max_examples": 30}),  # type: ignore[arg-type]
)
"""Decorate each fuzz test with this: bounded in `make test`, long in `make fuzz`."""
