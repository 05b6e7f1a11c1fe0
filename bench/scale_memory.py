"""`python -m bench.scale_memory JOB BACKEND EVENTS`: one whole-history job on a cached
`bench_scale` store, alone in its own process, printing its peak resident memory as JSON.

JOB is `rebuild` (every projection dropped and rebuilt from the log) or `verify` (`audit
verify`: the integrity log's tree recomputed from every stored record). A fresh process, so
the peak is the job's own and not what the benchmark held before it.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.scale_store import settings_for
from safeshare.bootstrap import build
from safeshare.services import projections as ps
from safeshare.services.audit import audit_service


def peak_mb() -> float:
    """Peak resident set size of this process image, in MB.

    `VmHWM` (Linux), not `getrusage`: Linux carries `ru_maxrss` across `execve`, so a process
    started by the benchmark would report the benchmark's own peak if that was higher."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    job, backend, events = argv
    school = build(settings_for(backend, int(events)))
    try:
        before = peak_mb()
        started = time.perf_counter()
        if job == "rebuild":
            done = ps.rebuild(school)
        elif job == "verify":
            done = len(audit_service(school).verify())
        else:
            print(f"no job {job}: rebuild or verify", file=sys.stderr)
            return 2
        took = time.perf_counter() - started
    finally:
        school.close()
    print(json.dumps({"job": job, "mb": peak_mb(), "before_mb": before, "s": took, "n": done}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
