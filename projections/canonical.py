"""The canonical bytes of one stored event record: what a Merkle leaf commits to.

Why a fixed, documented encoding rather than, say, JSON: an auditor's own script (see
`projections/bundle/verify_bundle.py`) must rebuild exactly the same bytes from an exported
record, and no two different records may ever share an encoding. Every variable-length field is
therefore length-prefixed and every integer has a fixed width, so the encoding is unambiguous
(injective) and trivially re-implemented in any language.

Layout (all integers big-endian, unsigned)::

    0x01                      format version (1 byte)
    originator_id             16 bytes: the aggregate UUID, from its 32-digit hex form
    version                   8 bytes
    len(topic)                4 bytes
    len(state)                8 bytes
    topic                     UTF-8, len(topic) bytes
    state                     the stored (encrypted/compressed) bytes, len(state) bytes

Both lengths come before both variable fields so one fixed-width head covers every integer.

The state is hashed exactly as stored, so erasure (destroying a key) leaves the log intact.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256
from struct import Struct
from struct import error as struct_error
from uuid import UUID

FORMAT_VERSION = 1
_HEAD = Struct(">B16sQIQ")
_MAX_VERSION = (1 << 64) - 1


def canonical_record_bytes(originator_id: str, version: int, topic: str, state: bytes) -> bytes:
    """Encode one stored event record unambiguously (layout in the module docstring).

    `originator_id` is the UUID as 32 hex digits (`uuid.UUID.hex`), upper or lower case.
    """
    oid = bytes.fromhex(originator_id) if len(originator_id) == 32 else b""
    if len(oid) != 16:
        raise ValueError("originator_id must be a UUID as 32 hex digits")
    if not 0 <= version <= _MAX_VERSION:
        raise ValueError("version must fit in 64 bits")
    t = topic.encode("utf-8")
    return b"".join((_HEAD.pack(FORMAT_VERSION, oid, version, len(t), len(state)), t, state))


_LEAF_HEAD = Struct(">BB16sQIQ")


def record_leaf_hashes(records: Iterable[tuple[str | UUID, int, str, bytes]]) -> list[bytes]:
    """Leaf hashes SHA-256(0x00 || canonical_record_bytes(...)) for many records at once.

    Why a batch form: `audit verify` hashes every record in the store, and in CPython the cost
    is per-call overhead, not SHA-256 itself. Aggregates have many events and a store has few
    topics, so decoded originator ids and encoded topics are cached, and the leaf prefix and
    fixed-width head are packed in one call. Same bytes as `canonical_record_bytes` (tested).
    An originator id may also be given as a `uuid.UUID`, as the event store returns it.
    """
    oids: dict[str | UUID, bytes] = {}
    topics: dict[str, bytes] = {}
    head = _LEAF_HEAD.pack
    out: list[bytes] = []
    append = out.append
    for originator_id, version, topic, state in records:
        oid = oids.get(originator_id)
        if oid is None:
            if isinstance(originator_id, UUID):
                oid = originator_id.bytes
            else:
                oid = bytes.fromhex(originator_id) if len(originator_id) == 32 else b""
            if len(oid) != 16:
                raise ValueError("originator_id must be a UUID as 32 hex digits")
            oids[originator_id] = oid
        t = topics.get(topic)
        if t is None:
            t = topics[topic] = topic.encode("utf-8")
        try:
            packed = head(0, FORMAT_VERSION, oid, version, len(t), len(state))
        except struct_error as exc:
            raise ValueError("version must fit in 64 bits") from exc
        append(sha256(b"".join((packed, t, state))).digest())
    return out


class LeafHasher:
    """`record_leaf_hashes` one record at a time, its caches kept between calls.

    Why: the integrity log hashes each record as it arrives, on the append path; building a
    list and two dictionaries per record would cost more than the hash. The caches are cleared
    when they grow past `max_cached` entries, so memory stays bounded on a long-running runner.
    """

    def __init__(self, max_cached: int = 4096) -> None:
        self._oids: dict[str | UUID, bytes] = {}
        self._topics: dict[str, bytes] = {}
        self._max = max_cached

    def __call__(self, originator_id: str | UUID, version: int, topic: str, state: bytes) -> bytes:
        oid = self._oids.get(originator_id)
        if oid is None:
            if len(self._oids) >= self._max:
                self._oids.clear()
            if isinstance(originator_id, UUID):
                oid = originator_id.bytes
            else:
                oid = bytes.fromhex(originator_id) if len(originator_id) == 32 else b""
                if len(oid) != 16:
                    raise ValueError("originator_id must be a UUID as 32 hex digits")
            self._oids[originator_id] = oid
        t = self._topics.get(topic)
        if t is None:
            if len(self._topics) >= self._max:
                self._topics.clear()
            t = self._topics[topic] = topic.encode("utf-8")
        try:
            head = _LEAF_HEAD.pack(0, FORMAT_VERSION, oid, version, len(t), len(state))
        except struct_error as exc:
            raise ValueError("version must fit in 64 bits") from exc
        return sha256(b"".join((head, t, state))).digest()
