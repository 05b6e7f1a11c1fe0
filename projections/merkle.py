"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

The integrity log is a Merkle tree over the stored event records in notification order, so that
an auditor can check that nothing was altered, removed or reordered with nothing but a signed
root hash (a checkpoint) and SHA-256. This module is the pure core: functions over sequences of
32-byte leaf hashes, no storage. It follows RFC 9162 section 2.1 to the letter because auditors
check our proofs with their own tools, and any deviation would make a valid log look forged.

Why leaf and node hashes are prefixed (0x00 / 0x01): without the prefix an interior node could be
passed off as a leaf (second pre-image attack), and a proof could claim a record that never was.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
"""MTH({}) = SHA-256() : the root of the empty tree (RFC 9162 section 2.1.1)."""

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The interior node hash SHA-256(0x01 || left || right)."""
    return sha256(_NODE + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) for any n, computed level by level.

    Pairing neighbours left to right and carrying an odd last node up unchanged builds exactly
    the RFC's left-balanced tree (split at the largest power of two below n), without recursion
    and with one list per level, which is what makes `audit verify` fast on large stores.
    """
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        odd = level[-1] if len(level) & 1 else None
        it = iter(level)
        level = [sha256(_NODE + a + b).digest() for a, b in zip(it, it, strict=False)]
        if odd is not None:
            level.append(odd)
    return level[0]


def prefix_roots(leaf_hashes: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH(D[m]) for each m in `sizes` (m <= len(leaf_hashes)), from one level-by-level pass.

    Why: `audit verify` checks every signed checkpoint against the store, i.e. the roots of
    many prefixes of one leaf sequence. In the level-by-level build, node k of level l is the
    root of the perfect subtree over leaves [k * 2**l, (k + 1) * 2**l) whenever that range is
    complete, so each prefix root is a fold of at most log2(n) stored nodes: n node hashes in
    all, instead of n per checkpoint.
    """
    wanted = sorted(set(sizes))
    if wanted and not 0 <= wanted[0] <= wanted[-1] <= len(leaf_hashes):
        raise ValueError("a prefix size is outside the leaves")
    levels = [list(leaf_hashes[: wanted[-1] if wanted else 0])]
    while len(levels[-1]) > 1:
        it = iter(levels[-1])
        levels.append([sha256(_NODE + a + b).digest() for a, b in zip(it, it, strict=False)])
    out: dict[int, bytes] = {}
    for m in wanted:
        if m == 0:
            out[m] = EMPTY_ROOT
            continue
        subtrees: list[bytes] = []
        start = 0
        for level in range(m.bit_length() - 1, -1, -1):
            if m >> level & 1:
                subtrees.append(levels[level][start >> level])
                start += 1 << level
        r = subtrees[-1]
        for h in reversed(subtrees[:-1]):
            r = node_hash(h, r)
        out[m] = r
    return out


def _split(n: int) -> int:
    """The largest power of two strictly less than n (n > 1): where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, lowest level first."""
    if not 0 <= index < size <= len(leaf_hashes):
        raise ValueError(f"no inclusion proof for index {index} in a tree of size {size}")
    return inclusion_proof_from(lambda lo, hi: root_hash(leaf_hashes[lo:hi]), index, size)


def inclusion_proof_from(
    subtree_root: Callable[[int, int], bytes], index: int, size: int
) -> list[bytes]:
    """The same PATH, each sibling's hash MTH(D[lo:hi]) asked of `subtree_root(lo, hi)`.

    Why: the siblings are O(log n) subtrees that between them cover every other leaf, so a
    proof from the leaves alone reads the whole log; a log that stores the roots of its larger
    subtrees answers each sibling from a few of them.
    """
    if not 0 <= index < size:
        raise ValueError(f"no inclusion proof for index {index} in a tree of size {size}")
    proof: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            proof.append(subtree_root(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(lo, lo + k))
            lo, m = lo + k, m - k
    proof.reverse()
    return proof


def consistency_proof(leaf_hashes: Sequence[bytes], m: int, n: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1: the tree of size m is a prefix of size n.

    Defined for 0 < m <= n (empty when m == n); a proof from the empty tree proves nothing.
    """
    if not 0 < m <= n <= len(leaf_hashes):
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    return consistency_proof_from(lambda lo, hi: root_hash(leaf_hashes[lo:hi]), m, n)


def consistency_proof_from(
    subtree_root: Callable[[int, int], bytes], m: int, n: int
) -> list[bytes]:
    """The same PROOF, each subtree's hash MTH(D[lo:hi]) asked of `subtree_root(lo, hi)` (a
    log that stores its larger subtrees answers from a few of them, as for inclusion)."""
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    proof: list[bytes] = []
    lo, hi, complete = 0, n, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(subtree_root(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(subtree_root(lo, hi))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2. False for any malformed input, never an exception."""
    if not 0 <= index < size or len(leaf) != HASH_SIZE:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2. False for any malformed input, never an exception.

    A proof from the empty tree is refused (it would vouch for any second tree), equal sizes
    need an empty proof and equal roots, and a shrinking log is never consistent.
    """
    if size1 <= 0 or size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


class CompactRange:
    """The right frontier of a growing tree: one hash per perfect subtree (per set bit of size).

    The integrity log appends one leaf per stored record and must know its root at any moment
    without keeping or rereading every leaf: this keeps O(log n) hashes, appends in amortised
    O(1) (worst case O(log n)) node hashes, and serialises to bytes so it can be stored beside
    the tracking position and resumed after a restart.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self._size = size
        self._hashes = list(hashes)
        if size < 0 or len(self._hashes) != size.bit_count():
            raise ValueError("a compact range of size n holds one hash per set bit of n")
        if any(len(h) != HASH_SIZE for h in self._hashes):
            raise ValueError("compact range hashes are 32 bytes")

    @property
    def size(self) -> int:
        """How many leaves have been appended."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The perfect-subtree roots, largest (leftmost) first: a copy, safe to store."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging the perfect subtrees that it completes."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf hashes are 32 bytes")
        hashes = self._hashes
        hashes.append(leaf)
        count = self._size
        while count & 1:
            right = hashes.pop()
            hashes[-1] = sha256(_NODE + hashes[-1] + right).digest()
            count >>= 1
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """MTH of everything appended so far: fold the subtrees right to left."""
        if not self._hashes:
            return EMPTY_ROOT
        r = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            r = node_hash(h, r)
        return r

    def to_bytes(self) -> bytes:
        """Size as 8 bytes big-endian, then the hashes: the storable form."""
        return struct.pack(">Q", self._size) + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactRange:
        """Inverse of `to_bytes`; refuses anything that is not exactly that shape."""
        if len(data) < 8 or (len(data) - 8) % HASH_SIZE:
            raise ValueError("not a serialised compact range")
        (size,) = struct.unpack(">Q", data[:8])
        hashes = [data[i : i + HASH_SIZE] for i in range(8, len(data), HASH_SIZE)]
        return cls(size, hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __hash__(self) -> int:
        return hash((self._size, tuple(self._hashes)))

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"
