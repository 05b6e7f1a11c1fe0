"""Fixtures every test layer shares."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.support import FakeClock, open_school

# Random testing is derandomised in `make test` (a new seed must never turn CI red) and runs
# longer, with fresh randomness, in `make fuzz` (HYPOTHESIS_PROFILE=fuzz).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("fuzz", max_examples=2000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def identity_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys, the school's signing identity and the demo agencies' keys, made once."""
    data = tmp_path_factory.mktemp("identity")
    settings = Settings(data=data)
    initialise(settings, FakeClock())
    s = build(settings, FakeClock())
    install_demo_agencies(s)
    s.close()
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
