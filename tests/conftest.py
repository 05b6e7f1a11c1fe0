"""Fixtures every test layer shares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from safeshare.setup import initialise
from tests.support import FakeClock, open_school


@pytest.fixture(scope="session")
def identity_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys, the school's signing identity and the demo agencies' keys, made once."""
    data = tmp_path_factory.mktemp("identity")
    initialise(Settings(data=data), FakeClock())
    return data


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def school(
    identity_template: Path, tmp_path: Path, backend: str, clock: FakeClock
) -> Iterator[Safeshare]:
    """A school's safeshare on SQLite and, again, on the real PostgreSQL."""
    with open_school(identity_template, tmp_path / "var", backend, clock) as s:
        yield s


@pytest.fixture
def sqlite_school(identity_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[Safeshare]:
    with open_school(identity_template, tmp_path / "var", "sqlite", clock) as s:
        yield s
