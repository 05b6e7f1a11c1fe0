"""Sealed attachments kept as files beside the event store (never inside it): one file per
attachment, named by its id, written once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from uuid import UUID


class AttachmentStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, attachment_id: UUID) -> Path:
        return self.folder / f"{attachment_id}.sealed"

    def put(self, attachment_id: UUID, sealed: bytes) -> str:
        """Write the sealed file (mode 0600); returns its SHA-256 as stored."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(attachment_id)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(sealed)
            f.flush()
            os.fsync(f.fileno())
        return hashlib.sha256(sealed).hexdigest()

    def get(self, attachment_id: UUID) -> bytes | None:
        try:
            return self._path(attachment_id).read_bytes()
        except FileNotFoundError:
            return None
