"""The witness side (C2SP tlog-witness, tlog-cosignature): what `safeshare witness serve` does
with each request, independent of HTTP so that it reads (and is tested) as the rules.

add-checkpoint, in order: a malformed request is 400; a log the witness does not know is 404;
a checkpoint not signed by that log's key is 403; an old size larger than the checkpoint is
400; an old size other than the size this witness last cosigned is 409 with that size
(`text/x.tlog.size`), as is a checkpoint of that same size with another root (the log forked);
a consistency proof that does not verify from the last cosigned tree is 422. Otherwise the
checkpoint becomes the log's latest and the answer is the witness's cosignature line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from projections.checkpoint import Checkpoint, CheckpointFormatError, signed_by
from projections.merkle import verify_consistency
from projections.witness_note import (
    WitnessNoteError,
    cosignature_line,
    open_tombstones,
    parse_add_checkpoint,
    tombstones_origin,
)
from safeshare.adapters.audit_key import load_public_key, public_key_pem
from safeshare.witness.store import KEY_FILE, PUBLIC_KEY_FILE, WitnessStore

SIZE_TYPE = "text/x.tlog.size"
TEXT = "text/plain; charset=utf-8"
_END = "-----END PUBLIC KEY-----"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = TEXT


def init_witness(directory: Path, name: str) -> Path:
    """Make the witness's folder, key (0600) and store; returns its public key file. An
    existing key is kept (the name can be set again)."""
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise ValueError("name: one word, no spaces or '+', e.g. la.example.gov.uk/witness")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    public = directory / PUBLIC_KEY_FILE
    public.write_bytes(public_key_pem(_load_key(path).public_key()))
    WitnessStore(directory).set_name(name)
    return public


def _load_key(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"witness key file {path}: not an Ed25519 key")
    return key


def public_keys(pem_text: str) -> list[Ed25519PublicKey]:
    """Every Ed25519 public key in a PEM text (a log's current key and any retired ones)."""
    blocks = [b + _END for b in pem_text.split(_END) if b.strip()]
    return [load_public_key(b.strip().encode()) for b in blocks]


class Witness:
    def __init__(self, directory: Path, clock: Callable[[], datetime]) -> None:
        self.store = WitnessStore(directory)
        self.name = self.store.name()
        self.key = _load_key(directory / KEY_FILE)
        self.clock = clock

    def add_log(self, origin: str, keys_pem: str) -> None:
        if not public_keys(keys_pem):
            raise ValueError("key: no Ed25519 public key in the file")
        self.store.add_log(origin, keys_pem)

    def _keys(self, origin: str) -> list[Ed25519PublicKey] | None:
        pem = self.store.log_keys(origin)
        return None if pem is None else public_keys(pem)

    def add_checkpoint(self, data: bytes) -> Reply:
        try:
            request = parse_add_checkpoint(data)
            cp = Checkpoint.from_text(request.checkpoint)
        except (WitnessNoteError, CheckpointFormatError) as e:
            return Reply(400, f"{e}\n")
        keys = self._keys(cp.origin)
        if keys is None:
            return Reply(404, "unknown log\n")
        if not any(signed_by(request.checkpoint, k) for k in keys):
            return Reply(403, "the checkpoint is not signed by the log's key\n")
        if request.old_size > cp.size:
            return Reply(400, "old size is larger than the checkpoint\n")
        with self.store.latest_for_update(cp.origin) as (latest, writer):
            have = latest.size if latest else 0
            if request.old_size != have:
                return Reply(409, f"{have}\n", SIZE_TYPE)
            if latest is not None and cp.size == latest.size and cp.root != latest.root:
                return Reply(409, f"{have}\n", SIZE_TYPE)
            if (
                latest is not None
                and latest.size > 0
                and not verify_consistency(
                    latest.size, cp.size, latest.root, cp.root, request.proof
                )
            ):
                return Reply(422, "the consistency proof does not verify\n")
            line = cosignature_line(self.name, self.key, cp.body(), self.clock())
            writer.replace(cp.size, cp.root, request.checkpoint + line)
        return Reply(200, line)

    def latest(self, origin: str) -> Reply:
        """The last checkpoint this witness cosigned for the log, with its cosignature."""
        latest = self.store.latest(origin)
        if latest is None:
            return Reply(404, "no checkpoint cosigned for this log\n")
        return Reply(200, latest.text)

    def add_tombstones(self, data: bytes) -> Reply:
        try:
            text = data.decode()
            keys = self._keys(tombstones_origin(text))
            if keys is None:
                return Reply(404, "unknown log\n")
            origin, ids = open_tombstones(text, keys)
        except (UnicodeDecodeError, WitnessNoteError) as e:
            return Reply(400 if "signed" not in str(e) else 403, f"{e}\n")
        new = self.store.add_tombstones(origin, ids, self.clock())
        return Reply(200, f"{new}\n")

    def tombstones(self, origin: str) -> Reply:
        if self._keys(origin) is None:
            return Reply(404, "unknown log\n")
        return Reply(200, "".join(f"{i.hex}\n" for i in self.store.tombstones(origin)))
