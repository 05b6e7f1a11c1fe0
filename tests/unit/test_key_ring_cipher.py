"""The event store's key ring: the newest key encrypts, any key of the ring decrypts."""

from __future__ import annotations

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from safeshare.adapters.key_ring_cipher import RETIRED_KEYS, KeyRingCipher


def ring(current: str, *retired: str) -> KeyRingCipher:
    return KeyRingCipher(Environment(env={"CIPHER_KEY": current, RETIRED_KEYS: " ".join(retired)}))


def one(key: str) -> AESCipher:
    return AESCipher(Environment(env={"CIPHER_KEY": key}))


def test_records_stored_under_every_earlier_key_still_read_and_new_ones_use_the_newest() -> None:
    first, second, third = (AESCipher.create_key(32) for _ in range(3))
    by_first, by_second = one(first).encrypt(b"first"), one(second).encrypt(b"second")
    cipher = ring(third, second, first)
    assert cipher.size == 3
    assert cipher.decrypt(by_first) == b"first" and cipher.decrypt(by_second) == b"second"
    new = cipher.encrypt(b"third")
    assert one(third).decrypt(new) == b"third"
    assert [cipher.decrypt(c) for c in (new, by_first, new, by_second)] == [
        b"third",
        b"first",
        b"third",
        b"second",
    ]
    for old in (first, second):
        with pytest.raises(ValueError, match="Invalid cipher tag"):
            one(old).decrypt(new)


def test_a_record_under_a_key_outside_the_ring_does_not_read() -> None:
    stranger = one(AESCipher.create_key(32)).encrypt(b"elsewhere")
    with pytest.raises(ValueError, match="Invalid cipher tag"):
        ring(AESCipher.create_key(32), AESCipher.create_key(32)).decrypt(stranger)


def test_without_a_current_key_the_store_does_not_open() -> None:
    with pytest.raises(OSError, match="CIPHER_KEY"):
        KeyRingCipher(Environment(env={RETIRED_KEYS: AESCipher.create_key(32)}))
