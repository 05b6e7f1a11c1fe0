"""The offline audit bundle (`audit export`): every stored record (ciphertext), every
checkpoint as stored (one signed now), their RFC 3161 tokens, the public keys, and inclusion
proofs of one concern's records if asked; an auditor verifies it without safeshare."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from projections.bundle import BundleRecord, write_bundle
from projections.integrity_log import (
    checkpoint_texts,
    notification_record,
    numbered_checkpoints,
    timestamps,
)
from safeshare.adapters.audit_key import public_key_pem
from safeshare.adapters.audit_store import read_store

if TYPE_CHECKING:
    from safeshare.services.audit import AuditService


def export_bundle(
    audit: AuditService, directory: Path, concern_id: str | None = None
) -> dict[str, Any]:
    """Write the bundle into `directory`; answers what it holds."""
    s = audit.s
    wanted: set[str] = set()
    if concern_id is not None:
        concern = s.ctx.concern(concern_id)
        wanted = {concern.id.hex} | {r.id.hex for r in s.views.referrals_of(concern)}
    latest = audit.checkpoint()
    records = [
        BundleRecord(n.id, *notification_record(n)) for batch in read_store(s.app) for n in batch
    ]
    proof_indices = [
        i for i, r in enumerate(records) if r.originator_id in wanted and i < latest.size
    ]
    with audit.db.transaction() as tx:
        numbered = numbered_checkpoints(tx)
        tokens = timestamps(tx)
    write_bundle(
        directory,
        records,
        [cp for _, cp in numbered],
        public_key_pem(audit.public_key),
        proof_indices=proof_indices,
        retired_public_key_pems=[public_key_pem(k) for k in audit.public_keys[1:]],
    )
    with audit.db.transaction() as tx:
        texts = checkpoint_texts(tx)
    for i, text in enumerate(texts, 1):  # as stored: a key handover's two signatures
        (directory / "checkpoints" / f"{i:04d}.txt").write_text(
            text, encoding="utf-8", newline="\n"
        )
    for i, (seq, _) in enumerate(numbered, 1):
        if seq in tokens:  # beside NNNN.txt: `openssl ts -verify -data <body> -in NNNN.tsr`
            (directory / "checkpoints" / f"{i:04d}.tsr").write_bytes(tokens[seq])
    return {
        "directory": str(directory),
        "records": len(records),
        "checkpoints": len(numbered),
        "timestamps": sum(1 for seq, _ in numbered if seq in tokens),
        "inclusion_proofs": len(proof_indices),
    }
