"""The erasure tombstones: the id of every erased child, kept outside the data folder.

Erasure destroys a child's key; a restore of the key store from before the erasure would bring
it back, and a restore of the event store too would also lose the record that it was erased.
This list (ids only, one a line, appended and flushed at each erasure) is what is left to say
so: the restore re-applies every erasure it names before anything reads the restored stores.
The hardening work sends the same tombstones to the witnesses; this file is the local copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID


class ErasureTombstones:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, child_id: UUID) -> None:
        """Append the child's id (mode 0600, flushed to disk before the key is destroyed);
        an id already on the list is not written twice."""
        if child_id in self.ids():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(child_id.hex + "\n")
            f.flush()
            os.fsync(f.fileno())

    def ids(self) -> set[UUID]:
        """Every child id on the list; a line that is not an id is refused, never skipped."""
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return set()
        found: set[UUID] = set()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                found.add(UUID(line.strip()))
            except ValueError:
                msg = f"erasure tombstones {self.path}, line {n}: not a child id"
                raise ValueError(msg) from None
        return found
