"""A prefork worker's memory as the dispatch benchmark reads it, from /proc: each process's
resident size and CPU time (main process and pool children)."""

from __future__ import annotations

import os
from pathlib import Path

from harness.dispatch import WorkerProcess

_TICKS = os.sysconf("SC_CLK_TCK")


def worker_pids(worker: WorkerProcess) -> list[int]:
    """The worker's main process, then its pool children."""
    assert worker.proc is not None
    main = worker.proc.pid
    children = Path(f"/proc/{main}/task/{main}/children")
    pool = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [main, *pool]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time: the pool children's shares say how the work was split."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def worker_mb(worker: WorkerProcess) -> float:
    """Resident memory (MB) of a prefork worker: its main process plus its pool children."""
    return sum(rss_mb(pid) for pid in worker_pids(worker))


def per_process(worker: WorkerProcess) -> str:
    """Each process's resident MB (main first) and each pool child's share of the pool's CPU."""
    main, *pool = worker_pids(worker)
    cpu = [cpu_seconds(pid) for pid in pool]
    total = sum(cpu) or 1.0
    children = " ".join(
        f"{rss_mb(pid):.0f} MB ({100 * c / total:.0f}% of the work)"
        for pid, c in zip(pool, cpu, strict=True)
    )
    return f"main {rss_mb(main):.0f} MB, pool {children}"
