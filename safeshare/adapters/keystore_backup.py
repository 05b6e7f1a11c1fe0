"""The key store's backup: every child's data key, encrypted to the school's backup key.

Why not a `pg_dump` or a file copy of the key store: its rows are wrapped by the key-encryption
key, which may be rotated after the backup is taken; and a restore must leave out every erased
child's key *before* anything is written back. So the backup holds the data keys themselves,
sealed as one AES-256-GCM blob under the backup key (associated data: the format and the
school), and the restore unseals them, drops the erased ones, wraps the rest with the current
key-encryption key and writes them in one transaction.
"""

from __future__ import annotations

import base64
import json
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safeshare.adapters.key_files import BackupKey

FORMAT = "safeshare-keystore-backup/1"


class KeyStoreBackupError(ValueError):
    """The key store backup does not open with this backup key, or is not for this school."""


def _aad(school: str) -> bytes:
    return f"{FORMAT}|{school}".encode()


def seal_keys(data_keys: dict[UUID, bytes], key: BackupKey, school: str) -> bytes:
    """The data keys, sealed to the backup key."""
    body = json.dumps(
        {"format": FORMAT, "school": school, "keys": {c.hex: _b64(k) for c, k in data_keys.items()}}
    ).encode()
    nonce = os.urandom(12)
    return nonce + AESGCM(key.secret).encrypt(nonce, body, _aad(school))


def open_keys(blob: bytes, key: BackupKey, school: str) -> dict[UUID, bytes]:
    """The data keys from a backup, or `KeyStoreBackupError` naming why not."""
    try:
        body = AESGCM(key.secret).decrypt(blob[:12], blob[12:], _aad(school))
    except InvalidTag:
        msg = (
            "the key store backup does not open with this backup key for school "
            f"{school!r} (another school's backup, another backup key, or altered)"
        )
        raise KeyStoreBackupError(msg) from None
    data = json.loads(body)
    return {UUID(c): base64.b64decode(k) for c, k in data["keys"].items()}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
