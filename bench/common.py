"""What every benchmark shares: schools to measure on, timing, and the one closing line."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.schools import copy_identity, drop_pg_schemas, school_settings
from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

_TEMPLATE: dict[str, Path] = {}


def scale(default: int) -> int:
    """`SAFESHARE_BENCH_SCALE=0.1 make bench` shrinks every benchmark for a quick look."""
    factor = float(os.environ.get("SAFESHARE_BENCH_SCALE", "1"))
    return max(1, int(default * factor))


def identity_template() -> Path:
    if "path" not in _TEMPLATE:
        path = Path(tempfile.mkdtemp(prefix="safeshare-bench-identity-"))
        initialise(Settings(data=path))
        made = build(Settings(data=path))
        install_demo_agencies(made)
        made.close()
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


@contextmanager
def bench_school(backend: str) -> Iterator[Safeshare]:
    data = Path(tempfile.mkdtemp(prefix=f"safeshare-bench-{backend}-"))
    settings = school_settings(data, backend)
    copy_identity(identity_template(), data)
    initialise(settings)
    school = build(settings)
    install_demo_agencies(school)
    try:
        yield school
    finally:
        school.close()
        if backend == "postgres":
            drop_pg_schemas(settings.school)


def rate(count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def bench_line(name: str, ratio: float, target: float) -> str:
    return f"BENCH {name} ratio={ratio:.2f} target={target:.2f}"


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """A server the benchmark started: asked to stop, killed if it has not within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
