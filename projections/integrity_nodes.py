"""The integrity log's larger subtrees, stored so that a proof need not read the whole log.

An inclusion proof's siblings are O(log n) subtrees that between them cover every other leaf:
computed from the leaves, `audit replay` would read and hash the whole history. The log keeps
the root of every complete, aligned subtree of `2**NODE_LEVEL` leaves and up (about one row per
128 leaves), written in the same transaction as the leaf that completes it; anything smaller
is hashed from at most `2**NODE_LEVEL` leaves. `audit verify` still recomputes everything from
the store (that is its job) and never trusts these rows.
"""

from __future__ import annotations

from projections.db import Tx
from projections.merkle import consistency_proof_from, inclusion_proof_from, node_hash, root_hash

NODE_LEVEL = 8
BLOCK = 1 << NODE_LEVEL


def create_nodes(tx: Tx) -> None:
    """The table, filled in once from the leaves for a log made before it existed."""
    blob = "BLOB" if tx.dialect == "sqlite" else "BYTEA"
    tx.execute(
        "CREATE TABLE IF NOT EXISTS integrity_nodes (level INTEGER NOT NULL, "
        f"idx BIGINT NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx))"
    )
    if tx.fetchone("SELECT 1 FROM integrity_nodes LIMIT 1") is not None:
        return
    row = tx.fetchone("SELECT max(leaf_index) FROM integrity_leaves")
    size = 0 if row is None or row[0] is None else int(row[0]) + 1
    for done in range(BLOCK, size + 1, BLOCK):
        store_completed(tx, done)


def drop_nodes(tx: Tx) -> None:
    tx.execute("DROP TABLE IF EXISTS integrity_nodes")


def store_completed(tx: Tx, size: int) -> None:
    """After the leaf that makes the tree `size` long: store the subtrees it completes."""
    if size % BLOCK:
        return
    level, idx = NODE_LEVEL, size // BLOCK - 1
    value = root_hash(_leaves(tx, size - BLOCK, size))
    _insert(tx, level, idx, value)
    while idx & 1:
        left = _node(tx, level, idx - 1)
        if left is None:
            return
        value = node_hash(left, value)
        level, idx = level + 1, idx // 2
        _insert(tx, level, idx, value)


class StoredTree:
    """Subtree roots and inclusion proofs of the logged tree, read within one transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self._roots: dict[tuple[int, int], bytes] = {}

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return inclusion_proof_from(self.subtree_root, index, size)

    def consistency_proof(self, m: int, n: int) -> list[bytes]:
        """PROOF(m, D[n]): what a witness that cosigned size m checks size n against."""
        return consistency_proof_from(self.subtree_root, m, n)

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for the aligned ranges the RFC 9162 recursion asks for."""
        found = self._roots.get((lo, hi))
        if found is not None:
            return found
        n = hi - lo
        stored = None
        if n >= BLOCK and n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            stored = _node(self.tx, level, lo >> level)
        if stored is not None:
            value = stored
        elif n > BLOCK:
            k = 1 << ((n - 1).bit_length() - 1)
            value = node_hash(self.subtree_root(lo, lo + k), self.subtree_root(lo + k, hi))
        else:
            value = root_hash(_leaves(self.tx, lo, hi))
        self._roots[(lo, hi)] = value
        return value


def _leaves(tx: Tx, lo: int, hi: int) -> list[bytes]:
    rows = tx.fetchall(
        "SELECT leaf_hash FROM integrity_leaves WHERE leaf_index >= ? AND leaf_index < ? "
        "ORDER BY leaf_index",
        (lo, hi),
    )
    return [bytes(h) for (h,) in rows]


def _node(tx: Tx, level: int, idx: int) -> bytes | None:
    row = tx.fetchone("SELECT hash FROM integrity_nodes WHERE level = ? AND idx = ?", (level, idx))
    return None if row is None else bytes(row[0])


def _insert(tx: Tx, level: int, idx: int, value: bytes) -> None:
    tx.execute(
        "INSERT INTO integrity_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, idx, value)
    )
