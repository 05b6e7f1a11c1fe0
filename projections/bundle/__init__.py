"""Write the offline audit bundle that `audit export` hands to an auditor.

Why a bundle: auditors (governors, Ofsted, the local authority, the ICO) must be able to verify
the record without safeshare, so the bundle carries the stored records, the signed checkpoints,
the school's public key, proofs, and `verify_bundle.py` (standard library + `openssl` only,
beside this file). The layout is documented in docs/audit-bundle.md::

    records.jsonl        one stored record per line, in notification order:
                         {"position", "originator_id", "version", "topic", "state" (base64),
                          "leaf_hash" (base64, as computed at export)}
    checkpoints/NNNN.txt the signed checkpoints, oldest first (projections.checkpoint text)
    audit-public.pem     the school's Ed25519 audit public key (SubjectPublicKeyInfo PEM)
    proofs.json          {"inclusion": [...], "consistency": [...]} (see `write_bundle`)
    verify_bundle.py     the auditor's script
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from projections.canonical import canonical_record_bytes
from projections.checkpoint import Checkpoint
from projections.merkle import consistency_proof, inclusion_proof, leaf_hash

VERIFY_SCRIPT = Path(__file__).with_name("verify_bundle.py")


class BundleRecord(NamedTuple):
    """One stored event record, as the event store holds it."""

    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_bundle(
    directory: Path,
    records: Sequence[BundleRecord],
    checkpoints: Sequence[Checkpoint],
    public_key_pem: bytes,
    proof_indices: Sequence[int] = (),
    retired_public_key_pems: Sequence[bytes] = (),
) -> None:
    """Write the bundle into `directory` (created if needed; must not already hold one).

    `records` are in notification order; `checkpoints` oldest first. `proof_indices` are leaf
    indices (0-based, in `records`) whose inclusion in the latest checkpoint is proved in
    proofs.json, e.g. the events of the case under review; consistency proofs are written for
    every successive pair of checkpoints the records reach.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "records.jsonl").exists():
        raise FileExistsError(f"{directory} already holds a bundle")
    leaves: list[bytes] = []
    with (directory / "records.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        for r in records:
            leaf = leaf_hash(canonical_record_bytes(r.originator_id, r.version, r.topic, r.state))
            leaves.append(leaf)
            line = {
                "position": r.position,
                "originator_id": r.originator_id,
                "version": r.version,
                "topic": r.topic,
                "state": _b64(r.state),
                "leaf_hash": _b64(leaf),
            }
            f.write(json.dumps(line, separators=(",", ":")) + "\n")

    (directory / "checkpoints").mkdir()
    for i, cp in enumerate(checkpoints, 1):
        (directory / "checkpoints" / f"{i:04d}.txt").write_text(
            cp.to_text(), encoding="utf-8", newline="\n"
        )
    (directory / "audit-public.pem").write_bytes(public_key_pem)
    for i, pem in enumerate(retired_public_key_pems, 1):  # the audit keys it replaced
        (directory / f"audit-public-retired-{i:02d}.pem").write_bytes(pem)

    inclusion: list[dict[str, object]] = []
    if checkpoints:
        size = checkpoints[-1].size
        for index in proof_indices:
            if not 0 <= index < min(size, len(leaves)):
                raise ValueError(f"record {index} is not in the latest checkpoint")
            inclusion.append(
                {
                    "index": index,
                    "position": records[index].position,
                    "tree_size": size,
                    "proof": [_b64(p) for p in inclusion_proof(leaves, index, size)],
                }
            )
    consistency: list[dict[str, object]] = [
        {
            "size1": a.size,
            "size2": b.size,
            "proof": [_b64(p) for p in consistency_proof(leaves, a.size, b.size)],
        }
        for a, b in pairwise(checkpoints)
        if 0 < a.size <= b.size <= len(leaves)
    ]
    (directory / "proofs.json").write_text(
        json.dumps({"inclusion": inclusion, "consistency": consistency}, indent=1) + "\n",
        encoding="utf-8",
    )
    shutil.copyfile(VERIFY_SCRIPT, directory / "verify_bundle.py")
