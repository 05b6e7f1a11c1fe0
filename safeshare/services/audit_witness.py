"""`audit verify --witness FILE`: was the history a witness saw only ever extended?

A witnessed checkpoint (the school's checkpoint with a witness's cosignature, as the witness
keeps it) is checked three ways: the school's audit key signed it, the witness's key cosigned
it (when the witness's public key is given), and the store as it is now extends it: a
consistency proof from the witnessed size to the current tree, built from the records as
stored, verifies against the witnessed root. A history rewritten and re-signed with the audit
key (a record deleted, the rest renumbered, the log rebuilt) fails the last check whatever the
log now says about itself, because the witness's copy was never in the school's hands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.checkpoint import Checkpoint, CheckpointFormatError, signed_by
from projections.integrity_diagnosis import Problem
from projections.merkle import consistency_proof, root_hash, verify_consistency
from projections.witness_note import cosignature_times, cosigned_at

WITNESSED = "witnessed-checkpoint"


@dataclass
class WitnessCheck:
    problems: list[Problem] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    newest: tuple[str, int, datetime] | None = None
    """(witness, size, cosigned at) of the newest witnessed checkpoint that holds."""


def check_witnessed(
    texts: list[tuple[str, str]],
    leaves: list[bytes],
    school_keys: list[Ed25519PublicKey],
    origin: str,
    witness_key: Ed25519PublicKey | None,
) -> WitnessCheck:
    """Each (file name, cosigned checkpoint text) against the store's current leaf hashes."""
    out = WitnessCheck()
    size, root = len(leaves), root_hash(leaves)
    for name, text in texts:

        def problem(message: str, name: str = name) -> None:
            out.problems.append(Problem(WITNESSED, None, f"witnessed checkpoint {name}: {message}"))

        try:
            cp = Checkpoint.from_text(text)
        except CheckpointFormatError as e:
            problem(f"not a checkpoint ({e})")
            continue
        if cp.origin != origin or not any(signed_by(text, k) for k in school_keys):
            problem(f"not signed by this school's audit key for {origin}")
            continue
        lines = cosignature_times(text)
        if witness_key is not None:
            at = cosigned_at(text, None, witness_key)
            if at is None:
                problem("no valid cosignature by the given witness key")
                continue
        elif not lines:
            problem("no cosignature: it was never witnessed")
            continue
        else:
            at = max(t for _, t in lines)
        signer = next((n for n, t in lines if t == at), name)
        if cp.size > size:
            problem(
                f"the witness saw {cp.size} records but the store holds {size}: "
                "the history was cut or rewritten"
            )
            continue
        if cp.size > 0 and not verify_consistency(
            cp.size, size, cp.root, root, consistency_proof(leaves, cp.size, size)
        ):
            problem(
                f"the store does not extend the {cp.size} records the witness saw on "
                f"{at.isoformat()}: the history was rewritten"
            )
            continue
        out.checkpoints.append(cp)
        if out.newest is None or (at, cp.size) > (out.newest[2], out.newest[1]):
            out.newest = (signer, cp.size, at)
    return out
