"""`make bench`: every benchmark in this folder, each printing its `BENCH` line(s).

`python -m bench NAME ...` runs only those (e.g. `python -m bench append sealing`). First the
stores the chosen benchmarks cache and do not have yet are generated, several at once
(`prepare.py`), before any of them is timed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench
from bench.prepare import prepare


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    wanted = [f"bench_{a}" for a in argv] or names
    failed = 0
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"no benchmark {unknown[0]}; have: {', '.join(n[6:] for n in names)}")
        return 2
    print("== prepare (generate the stores not cached yet; not timed)", flush=True)
    start = time.perf_counter()
    try:
        prepare([n[6:] for n in wanted])
    except Exception as e:  # each benchmark then generates what it still lacks itself
        print(f"preparing failed: {e.__class__.__name__}: {e}")
    print(f"({time.perf_counter() - start:.1f} s)", flush=True)
    for name in wanted:
        print(f"== {name[6:]}", flush=True)
        start = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as e:  # one broken benchmark must not hide the others
            failed += 1
            print(f"BENCH {name[6:]} failed: {e.__class__.__name__}: {e}")
        print(f"({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
