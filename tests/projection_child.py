"""A projection runner as its own process, for the exactly-once test.

Run as `python -m tests.projection_child MARKER_FILE` with the school's `SAFESHARE_*`
environment. It applies every projection in small batches and, inside each batch's
transaction (after the projection's writes, before the commit), appends the batch number to
MARKER_FILE and sleeps, so that the test can kill it with SIGKILL in the middle of a batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from projections.batch import Item
from projections.db import Tx
from projections.runner import Runner, apply_items
from safeshare.bootstrap import build
from safeshare.services.projections import school_projections, staff_names
from safeshare.settings import Settings


class SlowBatches:
    """Wraps a projection: each batch is applied, then the process dawdles before commit."""

    def __init__(self, inner: object, marker: Path) -> None:
        self.inner = inner
        self.name = getattr(inner, "name")  # noqa: B009
        self.decode = getattr(inner, "decode")  # noqa: B009
        self.marker = marker
        self.batches = 0

    def create(self, tx: Tx) -> None:
        getattr(self.inner, "create")(tx)  # noqa: B009

    def drop(self, tx: Tx) -> None:
        getattr(self.inner, "drop")(tx)  # noqa: B009

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        apply_items(self.inner, tx, items)  # type: ignore[arg-type]
        self.batches += 1
        with self.marker.open("a") as f:
            f.write(f"{self.name} {self.batches}\n")
        time.sleep(0.05)


def main() -> None:
    marker = Path(sys.argv[1])
    s = build(Settings())
    runners = [
        Runner(SlowBatches(p, marker), s.event_source(), s.projection_db(), batch=50)  # type: ignore[arg-type]
        for p in school_projections(staff_names(s)).values()
    ]
    while any([r.run_once() for r in runners]):
        pass
    with marker.open("a") as f:
        f.write("done\n")


if __name__ == "__main__":
    main()
