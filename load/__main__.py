"""`python -m load` (`make load`): sizes from `SAFESHARE_LOAD_*` (load/config.py)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from load.config import LoadConfig
from load.run import run


def main() -> int:
    keep = os.environ.get("SAFESHARE_LOAD_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return run(LoadConfig.from_env(), Path(keep))
    with tempfile.TemporaryDirectory(prefix="safeshare-load-") as tmp:
        return run(LoadConfig.from_env(), Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
