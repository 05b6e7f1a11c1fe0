"""The school's safeshare for this CLI invocation, built once from settings."""

from __future__ import annotations

from pathlib import Path

from safeshare.bootstrap import build
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

_state: dict[str, object] = {}


def configure(data: Path | None) -> None:
    _state["data"] = data


def settings() -> Settings:
    data = _state.get("data")
    if isinstance(data, Path):
        return Settings(data=data)
    return Settings()


def safeshare() -> Safeshare:
    built = _state.get("safeshare")
    if isinstance(built, Safeshare):
        return built
    s = build(settings())
    _state["safeshare"] = s
    return s


def close() -> None:
    built = _state.pop("safeshare", None)
    if isinstance(built, Safeshare):
        built.close()
