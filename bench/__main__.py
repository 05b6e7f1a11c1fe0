"""`make bench`: every benchmark in this folder, each printing its `BENCH` line(s).

`python -m bench NAME ...` runs only those (e.g. `python -m bench append sealing`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    wanted = [f"bench_{a}" for a in argv] or names
    failed = 0
    for name in wanted:
        if name not in names:
            print(f"no benchmark {name}; have: {', '.join(n[6:] for n in names)}")
            return 2
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
