"""Sealing personal fields with the child's own AES-256-GCM key.

The application seals before anything reaches an aggregate, so the domain, the event store,
the projections and the integrity log only ever hold `Sealed` values. The associated data binds
each value to its child and field, so a ciphertext moved elsewhere does not open.
"""

from __future__ import annotations

import base64
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from domain.sealed import Sealed
from safeshare.adapters.keystore import KeyStore

log = structlog.get_logger("safeshare.sealing")
ERASED = "[erased]"
TAMPERED = "[TAMPERED: this sealed value fails its integrity check; tell the DSL and the auditor]"
"""Shown where a sealed value does not authenticate: the child's key exists, so the value was
not erased; it was altered, or moved from another child's record or another field."""


class KeyFileError(Exception):
    """A key file is missing or malformed."""


@dataclass(frozen=True)
class KeyEncryptionKey:
    """The key that wraps every child key; it comes from configuration, never the store."""

    secret: bytes

    @classmethod
    def generate(cls) -> KeyEncryptionKey:
        return cls(os.urandom(32))

    @classmethod
    def load(cls, path: Path) -> KeyEncryptionKey:
        try:
            raw = base64.b64decode(path.read_text().strip(), validate=True)
        except (OSError, ValueError) as e:
            msg = f"key-encryption key file {path}: cannot be read ({e.__class__.__name__})"
            raise KeyFileError(msg) from None
        if len(raw) != 32:
            msg = f"key-encryption key file {path}: must hold 32 bytes in base64"
            raise KeyFileError(msg)
        return cls(raw)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(self.secret).decode() + "\n")

    def __repr__(self) -> str:
        return "KeyEncryptionKey(...)"


class ChildKeyMissing(Exception):
    """No key for this child: it was never made, or it was destroyed by erasure."""


class Sealer:
    """Seals and unseals one school's personal fields."""

    def __init__(self, keystore: KeyStore, kek: KeyEncryptionKey, cache_size: int = 4096) -> None:
        self._keystore = keystore
        self._kek = kek
        self._cache: OrderedDict[UUID, AESGCM] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def new_child_key(self, child_id: UUID) -> None:
        key = AESGCM.generate_key(bit_length=256)
        self._keystore.put(child_id, aes_key_wrap(self._kek.secret, key))
        self._remember(child_id, AESGCM(key))

    def destroy_child_key(self, child_id: UUID) -> bool:
        with self._lock:
            self._cache.pop(child_id, None)
        return self._keystore.destroy(child_id)

    def data_keys(self) -> dict[UUID, bytes]:
        """Every child's data key, unwrapped (for the key store's encrypted backup only)."""
        return {
            c: aes_key_unwrap(self._kek.secret, w) for c, w in self._keystore.all_wrapped().items()
        }

    def replace_data_keys(self, data_keys: Mapping[UUID, bytes]) -> None:
        """The key store made to hold exactly these data keys, wrapped with the current
        key-encryption key, in one transaction (a restore, erased children already left out)."""
        with self._lock:
            self._cache.clear()
        self._keystore.replace_all(
            {c: aes_key_wrap(self._kek.secret, k) for c, k in data_keys.items()}
        )

    def rewrap(self, new: KeyEncryptionKey) -> int:
        """Every data key re-wrapped from the current key-encryption key to `new`, in one
        transaction; returns how many. Nothing sealed with a data key changes."""
        old = self._kek
        count = self._keystore.rewrap_all(
            lambda wrapped: aes_key_wrap(new.secret, aes_key_unwrap(old.secret, wrapped))
        )
        self._kek = new
        return count

    def has_key(self, child_id: UUID) -> bool:
        return self._aead(child_id) is not None

    def seal(self, child_id: UUID, field: str, text: str) -> Sealed:
        aead = self._aead(child_id)
        if aead is None:
            raise ChildKeyMissing("this child's data key does not exist (erased?)")
        nonce = os.urandom(12)
        ct = aead.encrypt(nonce, text.encode("utf-8"), _aad(child_id, field))
        return Sealed(field, base64.urlsafe_b64encode(nonce + ct).decode("ascii"))

    def seal_optional(self, child_id: UUID, field: str, text: str | None) -> Sealed | None:
        return None if text is None else self.seal(child_id, field, text)

    def open_text(self, child_id: UUID, value: Sealed | str | None) -> str | None:
        """A field sealed since a given release: plain text stored before it was is returned
        as it is."""
        return value if isinstance(value, str) else self.unseal(child_id, value)

    def unseal(self, child_id: UUID, sealed: Sealed | None) -> str | None:
        """The plain text, or "[erased]" once the child's key is gone."""
        if sealed is None:
            return None
        return self._open(child_id, self._aead(child_id), sealed)

    def unseal_many(
        self, values: Mapping[UUID, Sequence[Sealed | None]]
    ) -> dict[UUID, list[str | None]]:
        """Many children's values at once, each as `unseal` answers it: the keys not held
        already are read in one query and each unwrapped once for all its child's values (the
        roll search's index). They are not remembered: a whole roll would push the children
        in use out of the cache."""
        keys: dict[UUID, AESGCM] = {}
        with self._lock:
            for child_id in values:
                aead = self._cache.get(child_id)
                if aead is not None:
                    keys[child_id] = aead
        missing = [c for c in values if c not in keys]
        for child_id, wrapped in self._keystore.get_many(missing).items():
            keys[child_id] = AESGCM(aes_key_unwrap(self._kek.secret, wrapped))
        return {
            child_id: [
                None if s is None else self._open(child_id, keys.get(child_id), s) for s in sealed
            ]
            for child_id, sealed in values.items()
        }

    def _open(self, child_id: UUID, aead: AESGCM | None, sealed: Sealed) -> str:
        if aead is None:
            return ERASED
        raw = base64.urlsafe_b64decode(sealed.token)
        try:
            return aead.decrypt(raw[:12], raw[12:], _aad(child_id, sealed.field)).decode("utf-8")
        except InvalidTag:
            # The field only: a child's id in a log line would tie the log to the child's
            # record (`audit verify` and the page that shows the value say which record).
            log.error("sealed value fails authentication: possible tampering", field=sealed.field)
            return TAMPERED

    def _aead(self, child_id: UUID) -> AESGCM | None:
        with self._lock:
            aead = self._cache.get(child_id)
            if aead is not None:
                self._cache.move_to_end(child_id)
                return aead
        wrapped = self._keystore.get(child_id)
        if wrapped is None:
            return None
        aead = AESGCM(aes_key_unwrap(self._kek.secret, wrapped))
        self._remember(child_id, aead)
        return aead

    def _remember(self, child_id: UUID, aead: AESGCM) -> None:
        with self._lock:
            self._cache[child_id] = aead
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def _aad(child_id: UUID, field: str) -> bytes:
    return f"safeshare/1|{child_id.hex}|{field}".encode()
