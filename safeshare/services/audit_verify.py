"""`audit verify` of an intact record in memory that does not grow with the history.

The full diagnosis (`projections.integrity_diagnosis.diagnose`) holds every logged and every
recomputed leaf in memory, because locating a change (a record swapped, removed, renumbered)
needs them all. An intact record, the usual case, needs none of that: the store and the log are
read side by side a page at a time, the tree is grown on a frontier of log2(n) hashes, and each
checkpoint's root is taken as its size goes by. Anything that does not hold sends the caller
to the full diagnosis, which then says exactly what and where.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.canonical import record_leaf_hashes
from projections.checkpoint import Checkpoint, verify_checkpoint
from projections.db import ProjectionDb, Tx
from projections.merkle import EMPTY_ROOT, CompactRange
from safeshare.adapters.audit_store import read_store
from safeshare.adapters.case_records import CaseRecords


def intact_in_pages(
    app: CaseRecords,
    db: ProjectionDb,
    own: Sequence[Checkpoint],
    external: Sequence[Checkpoint],
    public_key: Ed25519PublicKey,
    origin: str,
) -> int | None:
    """How many stored records lie beyond the log when everything holds (the store begins
    with exactly the logged records, every checkpoint is signed, for this log, in order, and
    its root is the root of that many stored records); None when anything does not."""
    every = [*own, *external]
    if any(cp.origin != origin or not verify_checkpoint(cp, public_key) for cp in every):
        return None
    if any(b.size < a.size for a, b in pairwise(own)):
        return None
    sizes = {cp.size for cp in every}
    roots: dict[int, bytes] = {0: EMPTY_ROOT}
    tree = CompactRange()
    with db.transaction() as tx:
        logged = _logged_count(tx)
    for batch in read_store(app):
        hashes = record_leaf_hashes(
            (n.originator_id, n.originator_version, n.topic, n.state) for n in batch
        )
        start = tree.size
        upto = min(len(batch), max(0, logged - start))
        if upto:
            with db.transaction() as tx:  # one short transaction a page: runners go on
                found = _logged(tx, start, start + upto)
            if found != [(n.id, h) for n, h in zip(batch[:upto], hashes[:upto], strict=True)]:
                return None
        for h in hashes:
            tree.append(h)
            if tree.size in sizes:
                roots[tree.size] = tree.root()
    if tree.size < logged or any(roots.get(cp.size) != cp.root for cp in every):
        return None
    return tree.size - logged


def _logged_count(tx: Tx) -> int:
    row = tx.fetchone("SELECT max(leaf_index) FROM integrity_leaves")
    return 0 if row is None or row[0] is None else int(row[0]) + 1


def _logged(tx: Tx, lo: int, hi: int) -> list[tuple[int, bytes]]:
    rows = tx.fetchall(
        "SELECT position, leaf_hash FROM integrity_leaves "
        "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
        (lo, hi),
    )
    return [(int(p), bytes(h)) for p, h in rows]
