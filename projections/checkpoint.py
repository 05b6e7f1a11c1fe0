"""Signed checkpoints (tree heads) of the integrity log, in the transparency-log text style.

Why this format: a checkpoint is the school's signed statement "my log of records had this
size and this root". Auditors keep copies; a later rewrite of history, even re-signed, cannot
agree with the copies they kept. Using the C2SP `checkpoint` body and `signed-note` envelope
means an auditor can check one with `openssl` alone (the signature is plain Ed25519 over the
body bytes) or with any transparency-log tooling.

Body (the bytes that are signed, UTF-8, every line ends with a newline)::

    <origin>                      the school's log name, e.g. "school.example.sch.uk/audit"
    <tree size>                   decimal
    <root hash>                   standard base64 of the 32-byte RFC 9162 root
    recorded-at <ISO 8601 UTC>    optional extension line, signed like the rest

Text file (C2SP signed note): the body, one blank line, then one line per signature::

    — <origin> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>

where the key id is the first 4 bytes of SHA-256(origin || 0x0A || 0x01 || raw public key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.merkle import HASH_SIZE

SIGNATURE_PREFIX = "— "  # em dash and a space, as in C2SP signed notes
_ED25519_ALG = b"\x01"
_RECORDED_AT = "recorded-at "


class CheckpointFormatError(ValueError):
    """The text is not a checkpoint in the documented format."""


def key_id(origin: str, public_key: Ed25519PublicKey) -> bytes:
    """The C2SP signed-note key id: it lets a reader pick the right key without trying all."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(origin.encode() + b"\n" + _ED25519_ALG + raw).digest()[:4]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed tree head: `size` records of the log named `origin` have root `root`."""

    origin: str
    size: int
    root: bytes
    signature: bytes
    key_id: bytes = b""
    recorded_at: datetime | None = None

    def body(self) -> bytes:
        """The exact bytes that are signed."""
        return checkpoint_body(self.origin, self.size, self.root, self.recorded_at)

    def to_text(self) -> str:
        """The signed-note file an auditor keeps (format in the module docstring)."""
        sig = base64.b64encode(self.key_id + self.signature).decode()
        return f"{self.body().decode()}\n{SIGNATURE_PREFIX}{self.origin} {sig}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse `to_text` output; the signature line must name this checkpoint's origin.

        Parsing does not verify: call `verify_checkpoint` with the school's public key.
        """
        body, sep, sigs = text.partition("\n\n")
        if not sep:
            raise CheckpointFormatError("no blank line between body and signatures")
        lines = body.split("\n")
        if len(lines) not in (3, 4):
            raise CheckpointFormatError("the body has origin, size, root and optionally a time")
        origin, size_text, root_text = lines[:3]
        if not origin or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
            raise CheckpointFormatError("bad origin or tree size line")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise CheckpointFormatError("root hash is not base64") from exc
        if len(root) != HASH_SIZE:
            raise CheckpointFormatError("root hash is not 32 bytes")
        recorded_at = None
        if len(lines) == 4:
            if not lines[3].startswith(_RECORDED_AT):
                raise CheckpointFormatError("unknown extension line")
            try:
                recorded_at = datetime.fromisoformat(lines[3][len(_RECORDED_AT) :])
            except ValueError as exc:
                raise CheckpointFormatError("bad recorded-at time") from exc
        for line in sigs.splitlines():
            if not line.startswith(SIGNATURE_PREFIX):
                raise CheckpointFormatError("signature lines start with an em dash")
            name, _, sig_text = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
            if name != origin:
                continue
            try:
                blob = base64.b64decode(sig_text, validate=True)
            except binascii.Error as exc:
                raise CheckpointFormatError("signature is not base64") from exc
            if len(blob) != 4 + 64:
                raise CheckpointFormatError("an Ed25519 signature line holds 68 bytes")
            cp = cls(origin, int(size_text), root, blob[4:], blob[:4], recorded_at)
            if cp.body() != body.encode() + b"\n":
                raise CheckpointFormatError("body is not in canonical form")
            return cp
        raise CheckpointFormatError(f"no signature by {origin!r}")


def checkpoint_body(
    origin: str, size: int, root: bytes, recorded_at: datetime | None = None
) -> bytes:
    """Build the signed body; refuses values that would make it ambiguous."""
    if not origin or "\n" in origin or " " in origin or size < 0 or len(root) != HASH_SIZE:
        raise ValueError("origin is one word on one line, size >= 0, root is 32 bytes")
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    if recorded_at is not None:
        if recorded_at.tzinfo is None:
            raise ValueError("recorded_at must be timezone-aware")
        text += f"{_RECORDED_AT}{recorded_at.astimezone(UTC).isoformat()}\n"
    return text.encode()


def sign_checkpoint(
    origin: str,
    size: int,
    root: bytes,
    key: Ed25519PrivateKey,
    recorded_at: datetime | None = None,
) -> Checkpoint:
    """Sign a tree head with the school's audit key."""
    if recorded_at is not None:
        recorded_at = recorded_at.astimezone(UTC)
    body = checkpoint_body(origin, size, root, recorded_at)
    return Checkpoint(
        origin, size, root, key.sign(body), key_id(origin, key.public_key()), recorded_at
    )


def verify_checkpoint(cp: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """True when `public_key` signed exactly this checkpoint (and its key id matches)."""
    try:
        body = cp.body()
    except ValueError:
        return False
    if cp.key_id and cp.key_id != key_id(cp.origin, public_key):
        return False
    try:
        public_key.verify(cp.signature, body)
    except InvalidSignature:
        return False
    return True


# -- key handover: a checkpoint signed by more than one audit key ---------------------------------


def cosign(text: str, origin: str, key: Ed25519PrivateKey) -> str:
    """The checkpoint text with one more signature line, by `key`, over the same body: how the
    old audit key vouches for the new key's first checkpoint."""
    cp = Checkpoint.from_text(text)
    blob = key_id(origin, key.public_key()) + key.sign(cp.body())
    return text + f"{SIGNATURE_PREFIX}{origin} {base64.b64encode(blob).decode()}\n"


def signed_by(text: str, public_key: Ed25519PublicKey) -> bool:
    """True when any signature line of the checkpoint text is `public_key`'s over its body."""
    try:
        cp = Checkpoint.from_text(text)
    except CheckpointFormatError:
        return False
    wanted = key_id(cp.origin, public_key)
    for line in text.partition("\n\n")[2].splitlines():
        name, _, sig_text = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        if name != cp.origin:
            continue
        try:
            blob = base64.b64decode(sig_text, validate=True)
        except binascii.Error:
            continue
        if blob[:4] != wanted:
            continue
        try:
            public_key.verify(blob[4:], cp.body())
        except InvalidSignature:
            continue
        return True
    return False
