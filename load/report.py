"""The figures, printed; `LOAD <name> value=... target=...` lines last."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def line(name: str, value: object, target: object, unit: str = "value") -> str:
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    return f"LOAD {name} {unit}={shown} target={target}"
