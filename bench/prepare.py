"""The benchmarks' cached stores, generated before any benchmark is timed, several at once.

A first `make bench` has to generate `scale`'s four histories (SQLite and PostgreSQL, N and
10·N events) and `mem_web`'s deployment (20 schools). Generation is not measured, so the
missing ones are generated here, each in its own process, `SAFESHARE_BENCH_PREPARE_JOBS` at
a time (default: one per core), the longest first; the benchmarks then find them cached and
time their operations with nothing of the bench running beside them.

`python -m bench.prepare [NAME ...]` does only this (for the benchmarks named, or all).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import bench_mem_web, bench_scale, mem_web_deployment, scale_store
from bench.common import scale
from harness.schools import ensure_pg_database

REPO = Path(__file__).resolve().parent.parent


def jobs(names: list[str]) -> list[tuple[float, list[str]]]:
    """(rough weight, command) of each missing store, for the benchmarks named."""
    found: list[tuple[float, list[str]]] = []
    if "scale" in names:
        sizes = bench_scale.sizes()
        per_day = sizes[0] / 365
        for backend in bench_scale.backends():
            for events in (sizes[0], sizes[-1]):
                if not scale_store.cached(backend, events, per_day):
                    weight = events * (2.0 if backend == "postgres" else 1.0)
                    module = "bench.scale_store"
                    found.append((weight, [module, backend, str(events), repr(per_day)]))
    if "mem_web" in names:
        schools, pupils = bench_mem_web.SCHOOLS, scale(bench_mem_web.PUPILS)
        if not mem_web_deployment.cached(schools, pupils):
            weight = schools * pupils * 50.0  # about 9 ms a pupil beside 0.1 ms an event
            found.append((weight, ["bench.mem_web_deployment", str(schools), str(pupils)]))
    return sorted(found, reverse=True)


def prepare(names: list[str]) -> None:
    """Generate what the named benchmarks need and is not cached; raise if any failed."""
    todo = [command for _, command in jobs(names)]
    if not todo:
        return
    if any(c[0] == "bench.scale_store" and c[1] == "postgres" for c in todo):
        ensure_pg_database(scale_store.DATABASE)  # once, not raced by two processes
    at_once = int(os.environ.get("SAFESHARE_BENCH_PREPARE_JOBS", os.cpu_count() or 1))
    print(f"generating {len(todo)} cached stores, {at_once} at a time", flush=True)
    started = time.perf_counter()
    running: list[tuple[list[str], subprocess.Popen[bytes]]] = []
    failed: list[str] = []
    while todo or running:
        while todo and len(running) < at_once:
            command = todo.pop(0)
            running.append((command, subprocess.Popen([sys.executable, "-m", *command], cwd=REPO)))
        time.sleep(0.5)
        for entry in list(running):
            command, process = entry
            if process.poll() is not None:
                running.remove(entry)
                if process.returncode:
                    failed.append(" ".join(command))
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        raise RuntimeError(f"generation failed: {'; '.join(failed)}")


if __name__ == "__main__":
    prepare(sys.argv[1:] or ["scale", "mem_web"])
