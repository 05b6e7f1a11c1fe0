"""The event store's cipher over a key ring: encrypts with the newest key, decrypts with any.

`eventsourcing`'s `AESCipher` holds one key, so rotating it would make every stored event
unreadable, or would mean rewriting history under the new key. The application builds its cipher
from `CIPHER_TOPIC` with the application's environment (`cipher_cls(env)`); this adapter reads
the current key from `CIPHER_KEY`, as `AESCipher` does, and the retired keys, newest first, from
`CIPHER_RETIRED_KEYS` (base64 keys separated by spaces). Stored records keep `AESCipher`'s
format (nonce, tag, ciphertext), so a store written before the ring existed reads unchanged.
"""

from __future__ import annotations

from base64 import b64decode
from typing import TYPE_CHECKING

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher

if TYPE_CHECKING:
    from eventsourcing.utils import Environment

RETIRED_KEYS = "CIPHER_RETIRED_KEYS"


class _OneKey(AESCipher):
    """`AESCipher` made from a key directly rather than from an environment."""

    def __init__(self, key: bytes) -> None:
        AESCipher.check_key_size(len(key))
        self.key = key


class KeyRingCipher(Cipher):
    """AES-GCM with the newest key of a ring; older keys only ever decrypt."""

    def __init__(self, environment: Environment) -> None:
        current = environment.get(AESCipher.CIPHER_KEY)
        if not current:
            msg = f"'{AESCipher.CIPHER_KEY}' not in env"
            raise OSError(msg)
        retired = (environment.get(RETIRED_KEYS) or "").split()
        self._ring = [_OneKey(b64decode(k.encode("utf8"))) for k in [current, *retired]]
        self._last = 0
        """The key that last decrypted: records are read in runs (a replay, a rebuild), and
        a run of old records should not pay a failed attempt with each newer key first."""

    @property
    def size(self) -> int:
        """How many keys the ring holds (the current one and the retired ones)."""
        return len(self._ring)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._ring[0].encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """The plaintext under whichever key of the ring authenticates it, newest first."""
        last = self._last
        failure: ValueError | None = None
        for i in [last, *(j for j in range(len(self._ring)) if j != last)]:
            try:
                plaintext = self._ring[i].decrypt(ciphertext)
            except ValueError as e:
                failure = e
                continue
            self._last = i
            return plaintext
        assert failure is not None
        raise failure
