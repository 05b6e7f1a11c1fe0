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
    len(topic)                4 bytes, then topic encoded as UTF-8
    len(state)                8 bytes, then state: the stored (encrypted/compressed) bytes

The state is hashed exactly as stored, so erasure (destroying a key) leaves the log intact.
"""

from __future__ import annotations

from struct import Struct

FORMAT_VERSION = 1
_HEAD = Struct(">B16sQI")
_STATE_LEN = Struct(">Q")
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
    return b"".join(
        (_HEAD.pack(FORMAT_VERSION, oid, version, len(t)), t, _STATE_LEN.pack(len(state)), state)
    )
