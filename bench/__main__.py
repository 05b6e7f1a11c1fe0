"""`make bench`: every benchmark, each ending in `BENCH <name> ratio=<x.xx> target=<y.yy>`."""

from __future__ import annotations

from bench import bench_integrity, bench_sealing


def main() -> None:
    bench_sealing.main()
    bench_integrity.main()


if __name__ == "__main__":
    main()
