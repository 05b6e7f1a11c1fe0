#!/usr/bin/env python3
"""Verify a safeshare audit bundle offline: Python 3.11+ standard library and `openssl` only.

Why standalone: an auditor must be able to check the school's record without installing or
trusting safeshare. Read this file before running it; it is short on purpose.

    python3 -I verify_bundle.py [BUNDLE_DIR]        (default: the folder this file is in)

Checks, in order:
  1. every line of records.jsonl decodes, positions strictly increase, and each record's leaf
     hash (SHA-256(0x00 || canonical bytes)) equals the leaf hash written at export;
  2. every checkpoints/*.txt is signed by audit-public.pem or by an audit key it replaced
     (audit-public-retired-*.pem) (Ed25519, checked by `openssl pkeyutl -verify -pubin
     -rawin`); where the signing key changes, the first checkpoint under the new key is also
     signed by the previous key (the key handover); each names the same log, and its root
     equals the RFC 9162 Merkle root of the first <size> records;
  3. proofs.json, if present: inclusion proofs of selected records against the latest
     checkpoint, and consistency proofs between successive checkpoints (RFC 9162 2.1.3.2,
     2.1.4.2).
Prints OK or one line per problem; exits 0 when everything holds, 1 otherwise.

Canonical record bytes (big-endian): 0x01, originator UUID (16 bytes), version (8 bytes),
len(topic) (4 bytes), len(state) (8 bytes), topic (UTF-8), state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")
SIG_PREFIX = "— "


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH: pair neighbours level by level, an odd last node moves up unchanged."""
    level = list(leaves)
    if not level:
        return hashlib.sha256(b"").digest()
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def canonical_record_bytes(originator_id: str, version: int, topic: str, state: bytes) -> bytes:
    oid = bytes.fromhex(originator_id) if len(originator_id) == 32 else b""
    if len(oid) != 16 or not 0 <= version < 2**64:
        raise ValueError("bad originator_id or version")
    t = topic.encode("utf-8")
    return struct.pack(">B16sQIQ", 1, oid, version, len(t), len(state)) + t + state


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size or len(leaf) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, root1: bytes, root2: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 (a proof from the empty tree is refused)."""
    if m <= 0 or n < m:
        return False
    if m == n:
        return not proof and root1 == root2
    if not proof or any(len(p) != 32 for p in proof):
        return False
    path = [root1, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0


def raw_public_key(pem: str) -> bytes:
    """The 32-byte Ed25519 key inside a SubjectPublicKeyInfo PEM (to check key ids)."""
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(SPKI_ED25519_PREFIX):
        raise ValueError("audit-public.pem is not an Ed25519 public key")
    return der[len(SPKI_ED25519_PREFIX) :]


class Checkpoint:
    def __init__(self, name: str, text: str) -> None:
        body, sep, sigs = text.partition("\n\n")
        lines = body.split("\n")
        if not sep or len(lines) not in (3, 4) or not lines[1].isdigit():
            raise ValueError("not a checkpoint")
        self.name = name
        self.body = (body + "\n").encode("utf-8")
        self.origin, self.size = lines[0], int(lines[1])
        self.root = base64.b64decode(lines[2], validate=True)
        self.signatures: list[tuple[bytes, bytes]] = []  # (key id, signature) by this log
        for line in sigs.splitlines():
            signer, _, blob = line.removeprefix(SIG_PREFIX).rpartition(" ")
            if line.startswith(SIG_PREFIX) and signer == self.origin:
                raw = base64.b64decode(blob, validate=True)
                if len(raw) == 68:
                    self.signatures.append((raw[:4], raw[4:]))
        if not self.signatures or len(self.root) != 32:
            raise ValueError(f"no Ed25519 signature by {self.origin!r}")

    def signed_by(self, pem_path: Path, raw_key: bytes) -> bool:
        want_id = hashlib.sha256(self.origin.encode() + b"\n\x01" + raw_key).digest()[:4]
        return any(
            key_id == want_id and openssl_verifies(pem_path, self.body, signature)
            for key_id, signature in self.signatures
        )


def openssl_verifies(pem_path: Path, body: bytes, signature: bytes) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        body_file, sig_file = Path(tmp, "body.txt"), Path(tmp, "sig.bin")
        body_file.write_bytes(body)
        sig_file.write_bytes(signature)
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem_path), "-rawin"]
        cmd += ["-in", str(body_file), "-sigfile", str(sig_file)]
        done = subprocess.run(cmd, capture_output=True, check=False)
        return done.returncode == 0


def b64list(values: Any) -> list[bytes]:
    return [base64.b64decode(v, validate=True) for v in values]


def verify(bundle: Path) -> list[str]:
    problems: list[str] = []
    keys = [
        (path, raw_public_key(path.read_text()))
        for path in [
            bundle / "audit-public.pem",
            *sorted(bundle.glob("audit-public-retired-*.pem")),
        ]
    ]
    previous_key: tuple[Path, bytes] | None = None

    positions: list[int] = []
    leaves: list[bytes] = []
    with (bundle / "records.jsonl").open("rb") as f:
        for number, line in enumerate(f, 1):
            where = f"line {number}"
            try:
                rec = json.loads(line)
                where = f"record at position {rec['position']} (line {number})"
                data = canonical_record_bytes(
                    rec["originator_id"],
                    rec["version"],
                    rec["topic"],
                    base64.b64decode(rec["state"], validate=True),
                )
                written = base64.b64decode(rec["leaf_hash"], validate=True)
                position = int(rec["position"])
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"{where}: cannot be read ({exc})")
                continue
            leaf = leaf_hash(data)
            if leaf != written:
                problems.append(f"{where}: changed since export (leaf hash differs)")
            if positions and position <= positions[-1]:
                problems.append(f"{where}: out of order after position {positions[-1]}")
            positions.append(position)
            leaves.append(leaf)

    checkpoints: list[Checkpoint] = []
    for path in sorted((bundle / "checkpoints").glob("*.txt")):
        name = f"checkpoint {path.name}"
        try:
            cp = Checkpoint(name, path.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{name}: cannot be read ({exc})")
            continue
        name = f"{name} (size {cp.size})"
        signer = next((k for k in keys if cp.signed_by(*k)), None)
        if signer is None:
            problems.append(f"{name}: signed by another key (or altered after signing)")
        elif (
            previous_key is not None and signer != previous_key and not cp.signed_by(*previous_key)
        ):
            problems.append(
                f"{name}: signed by a new audit key that the previous key did not also sign"
            )
        previous_key = signer or previous_key
        if checkpoints and cp.origin != checkpoints[0].origin:
            problems.append(f"{name}: for another log ({cp.origin!r})")
        if checkpoints and cp.size < checkpoints[-1].size:
            problems.append(f"{name}: smaller than the checkpoint before it")
        if cp.size > len(leaves):
            problems.append(f"{name}: covers more records than the bundle holds ({len(leaves)})")
        elif root_hash(leaves[: cp.size]) != cp.root:
            problems.append(f"{name}: root does not match the first {cp.size} records")
        checkpoints.append(cp)
    if not checkpoints:
        problems.append("no checkpoints in the bundle")

    proofs_path = bundle / "proofs.json"
    if proofs_path.exists() and checkpoints:
        proofs = json.loads(proofs_path.read_text())
        latest = checkpoints[-1]
        for item in proofs.get("inclusion", []):
            index, position = int(item["index"]), int(item["position"])
            ok = (
                int(item["tree_size"]) == latest.size
                and 0 <= index < len(leaves)
                and positions[index] == position
                and verify_inclusion(
                    leaves[index], index, latest.size, b64list(item["proof"]), latest.root
                )
            )
            if not ok:
                problems.append(
                    f"record at position {position}: inclusion proof against "
                    f"{latest.name} does not verify"
                )
        given = {(int(c["size1"]), int(c["size2"])): c for c in proofs.get("consistency", [])}
        for a, b in pairwise(checkpoints):
            if a.size == 0:
                continue
            c = given.get((a.size, b.size))
            if c is None:
                problems.append(f"no consistency proof from {a.name} to {b.name}")
            elif not verify_consistency(a.size, b.size, a.root, b.root, b64list(c["proof"])):
                problems.append(f"{a.name} and {b.name} are not consistent")
    return problems


def main(argv: list[str]) -> int:
    bundle = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        problems = verify(bundle)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems = [f"the bundle cannot be read: {exc}"]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if problems:
        print(f"FAILED: {len(problems)} problem(s) in {os.fspath(bundle)}")
        return 1
    print(f"OK: every record, checkpoint and proof in {os.fspath(bundle)} verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
