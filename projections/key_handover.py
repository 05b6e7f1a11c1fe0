"""The audit key's handover: when the key that signs checkpoints changes, the first checkpoint
under the new key is signed by the old one too, so an auditor who trusted the old key can follow
the chain to the new one without taking anyone's word for it.

Pure: the caller passes the log's own checkpoint texts (oldest first) and the school's audit
public keys (current and retired).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.checkpoint import Checkpoint, CheckpointFormatError, signed_by, verify_checkpoint
from projections.integrity_diagnosis import Problem

CHECKPOINT_KEY_HANDOVER = "checkpoint-key-handover"


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def diagnose_key_handovers(texts: Sequence[str], keys: Sequence[Ed25519PublicKey]) -> list[Problem]:
    """A problem for each checkpoint whose signing key differs from the previous checkpoint's
    and that the previous key did not also sign (a key change nobody vouched for)."""
    problems: list[Problem] = []
    previous: Ed25519PublicKey | None = None
    for i, text in enumerate(texts, 1):
        try:
            cp = Checkpoint.from_text(text)
        except CheckpointFormatError:
            continue
        signer = next((k for k in keys if verify_checkpoint(cp, k)), None)
        if signer is None:
            continue  # reported as a signature problem already
        if (
            previous is not None
            and _raw(signer) != _raw(previous)
            and not signed_by(text, previous)
        ):
            problems.append(
                Problem(
                    CHECKPOINT_KEY_HANDOVER,
                    None,
                    f"checkpoint {i} (size {cp.size}) is signed by a new audit key that the "
                    "previous key did not also sign: the key change is not vouched for",
                )
            )
        previous = signer
    return problems
