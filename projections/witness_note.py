"""What a school and its witnesses say to each other, as bytes: C2SP tlog-witness and
tlog-cosignature, and the erasure tombstones (ids only) that ride beside them.

Why witnesses: anyone who can write the data folder and holds the audit key can rewrite the
history and sign it again, and the log then agrees with itself. A witness (the local
authority's or the trust's auditor) keeps the last checkpoint it cosigned for the school's log
and cosigns a newer one only with a consistency proof that the newer tree extends it. A
rewritten history cannot be proved to extend what the witness saw, and the witness's
cosignature (its own key, never in the school's hands) is the outside copy an auditor checks.

add-checkpoint request body (tlog-witness)::

    old <size the witness last cosigned for this log, 0 at first>
    <consistency proof hash, base64>      zero or more lines
                                          one empty line
    <the checkpoint: a signed note>

Cosignature (tlog-cosignature, v1): a signed-note signature line by the witness's name over
``cosignature/v1\\ntime <POSIX seconds>\\n`` followed by the checkpoint body, the blob being
key id (4 bytes) || timestamp (8 bytes, big-endian) || Ed25519 signature (64 bytes), with key
id = SHA-256(name || 0x0A || 0x04 || raw public key)[:4].

Tombstones (safeshare's own, signed by the log's audit key so no one else can add any)::

    safeshare-tombstones/v1
    <origin>
    <erased child id, 32 hex digits>      one a line
                                          one empty line
    — <origin> <base64(key id || Ed25519 signature over the lines above and their newlines)>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.checkpoint import SIGNATURE_PREFIX, key_id
from projections.merkle import HASH_SIZE

COSIGNATURE_ALG = b"\x04"
_COSIGNED_HEADER = b"cosignature/v1\ntime %d\n"
_TOMBSTONES = "safeshare-tombstones/v1"
_BLOB = 4 + 8 + 64


class WitnessNoteError(ValueError):
    """The text is not a well-formed request, cosignature or tombstone list."""


def witness_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_ALG + raw).digest()[:4]


def cosigned_message(body: bytes, at: datetime) -> bytes:
    """The bytes a witness signs: the v1 header with its time, then the checkpoint body."""
    return _COSIGNED_HEADER % int(at.timestamp()) + body


def cosignature_line(name: str, key: Ed25519PrivateKey, body: bytes, at: datetime) -> str:
    """One signature line, the witness's cosignature of the checkpoint body at `at`."""
    stamp = int(at.timestamp())
    blob = (
        witness_key_id(name, key.public_key())
        + struct.pack(">Q", stamp)
        + key.sign(cosigned_message(body, at))
    )
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def cosigned_at(text: str, name: str | None, public_key: Ed25519PublicKey) -> datetime | None:
    """When the witness with `public_key` (named `name`, or any name) cosigned this checkpoint
    text (its newest valid cosignature line); None when no line is its valid cosignature."""
    body, sep, sigs = text.partition("\n\n")
    if not sep:
        return None
    found: list[datetime] = []
    for line in sigs.splitlines():
        signer, _, sig_text = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or (name is not None and signer != name):
            continue
        at = _stamp(sig_text)
        if at is None or base64.b64decode(sig_text)[:4] != witness_key_id(signer, public_key):
            continue
        try:
            public_key.verify(
                base64.b64decode(sig_text)[12:], cosigned_message((body + "\n").encode(), at)
            )
        except InvalidSignature:
            continue
        found.append(at)
    return max(found) if found else None


def cosignature_times(text: str) -> list[tuple[str, datetime]]:
    """(signer, time) of every line shaped like a cosignature, NOT verified: for the school's
    own record of when a witness answered (the witness's key checks it: `cosigned_at`)."""
    out: list[tuple[str, datetime]] = []
    for line in text.partition("\n\n")[2].splitlines():
        signer, _, sig_text = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        at = _stamp(sig_text)
        if line.startswith(SIGNATURE_PREFIX) and at is not None:
            out.append((signer, at))
    return out


def _stamp(sig_text: str) -> datetime | None:
    try:
        blob = base64.b64decode(sig_text, validate=True)
    except binascii.Error:
        return None
    if len(blob) != _BLOB:
        return None
    (stamp,) = struct.unpack(">Q", blob[4:12])
    try:
        return datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, ValueError, OSError):
        return None


# -- add-checkpoint --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    checkpoint: str


def add_checkpoint_body(old_size: int, proof: list[bytes], checkpoint_text: str) -> bytes:
    lines = [f"old {old_size}", *(base64.b64encode(p).decode() for p in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint_text).encode()


def parse_add_checkpoint(data: bytes) -> AddCheckpoint:
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise WitnessNoteError("the request is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep or not note:
        raise WitnessNoteError("no empty line between the proof and the checkpoint")
    lines = head.split("\n")
    size = lines[0].removeprefix("old ")
    if not lines[0].startswith("old ") or not size.isdigit() or (size != "0" and size[0] == "0"):
        raise WitnessNoteError("the first line is `old <size>`")
    proof: list[bytes] = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise WitnessNoteError("a proof line is not base64") from None
        if len(h) != HASH_SIZE:
            raise WitnessNoteError("a proof hash is not 32 bytes")
        proof.append(h)
    return AddCheckpoint(int(size), proof, note)


# -- tombstones ------------------------------------------------------------------------------------


def _tombstone_body(origin: str, ids: list[UUID]) -> bytes:
    return "".join(f"{line}\n" for line in [_TOMBSTONES, origin, *(i.hex for i in ids)]).encode()


def sign_tombstones(origin: str, ids: list[UUID], key: Ed25519PrivateKey) -> str:
    body = _tombstone_body(origin, sorted(ids))
    blob = key_id(origin, key.public_key()) + key.sign(body)
    return f"{body.decode()}\n{SIGNATURE_PREFIX}{origin} {base64.b64encode(blob).decode()}\n"


def tombstones_origin(text: str) -> str:
    """The log a tombstone list names (unverified: to pick the key to verify it with)."""
    lines = text.split("\n")
    if len(lines) < 2 or lines[0] != _TOMBSTONES or not lines[1]:
        raise WitnessNoteError("not a tombstone list")
    return lines[1]


def open_tombstones(text: str, public_keys: list[Ed25519PublicKey]) -> tuple[str, list[UUID]]:
    """(origin, erased child ids) of a tombstone list signed by one of the log's keys."""
    origin = tombstones_origin(text)
    body, sep, sig = text.partition("\n\n")
    lines = body.split("\n")[2:]
    try:
        ids = [UUID(hex=line) for line in lines]
    except ValueError:
        raise WitnessNoteError("a tombstone line is not a child id") from None
    name, _, sig_text = sig.strip().removeprefix(SIGNATURE_PREFIX).rpartition(" ")
    if not sep or name != origin:
        raise WitnessNoteError("the tombstone list is not signed by its log")
    try:
        blob = base64.b64decode(sig_text, validate=True)
    except binascii.Error:
        raise WitnessNoteError("the tombstone signature is not base64") from None
    for public_key in public_keys:
        if blob[:4] != key_id(origin, public_key):
            continue
        try:
            public_key.verify(blob[4:], (body + "\n").encode())
        except InvalidSignature:
            continue
        return origin, ids
    raise WitnessNoteError("the tombstone list is not signed by the log's audit key")
