"""Sealing staff names for the projection store: AES-SIV (deterministic authenticated
encryption, RFC 5297) under a key derived from the event store's cipher key, so that the same
name seals the same way (lookups by person still work) and nobody without the key reads it."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safeshare.adapters.sealing import KeyFileError
from safeshare.settings import Settings

PREFIX = "n1:"
_AD = [b"safeshare projection store: staff name"]


class SealedStaffNames:
    """`projections.staff_names.StaffNames` with the school's key."""

    def __init__(self, key: bytes) -> None:
        self._siv = AESSIV(key)
        self._sealed: dict[str, str] = {}

    @classmethod
    def of(cls, settings: Settings) -> SealedStaffNames:
        path = settings.cipher_key_path
        try:
            secret = base64.b64decode(path.read_text().strip(), validate=True)
        except (OSError, ValueError, binascii.Error):
            raise KeyFileError(f"event store cipher key file {path}: cannot be read") from None
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=64,
            salt=None,
            info=b"safeshare projection store: staff names",
        ).derive(secret)
        return cls(key)

    def seal(self, name: str) -> str:
        found = self._sealed.get(name)
        if found is None:
            sealed = self._siv.encrypt(name.encode("utf-8", "surrogatepass"), _AD)
            found = PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")
            if len(self._sealed) < 10_000:  # staff names repeat: seal each once
                self._sealed[name] = found
        return found

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
            return self._siv.decrypt(raw, _AD).decode("utf-8", "surrogatepass")
        except (InvalidTag, ValueError, binascii.Error):
            return "[unreadable]"
