"""How agencies keep what they receive on disk: one file per item, written atomically, so a
test (or another process) that reads the directory never sees half a file, even if the
agency is killed mid-write."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path


def write_atomically(directory: Path, suffix: str, data: bytes) -> Path:
    """Write `data` to a new uniquely named file in `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}{suffix}"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        final = directory / name
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def recorded_files(directory: Path, suffix: str) -> list[Path]:
    """The complete files in `directory`, oldest first (temporary files are skipped)."""
    if not directory.exists():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(suffix) and p.is_file())
