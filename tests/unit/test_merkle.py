"""RFC 6962/9162 Merkle core, checked against transparency-dev's published test vectors.

The vectors in tests/data/merkle/ come from github.com/transparency-dev/merkle (testdata/,
Apache License 2.0, see the LICENSE and README.md beside them). Each case says whether a correct
verifier must reject it (`wantErr`); every one of them must behave as the file says.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.canonical import canonical_record_bytes, record_leaf_hashes
from projections.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    prefix_roots,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "merkle"
INCLUSION = sorted((DATA / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((DATA / "consistency").rglob("*.json"))


def _b(v: str) -> bytes:
    return base64.b64decode(v)


def _proof(v: list[str] | None) -> list[bytes]:
    return [_b(p) for p in v or []]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _id(path: Path) -> str:
    return str(path.relative_to(DATA))


def test_all_vectors_present() -> None:
    assert (DATA / "LICENSE").is_file() and (DATA / "README.md").is_file()
    assert len(INCLUSION) >= 90 and len(CONSISTENCY) >= 90


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vectors(path: Path) -> None:
    case = _load(path)
    ok = verify_inclusion(
        _b(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case["proof"]),
        _b(case["root"]),
    )
    assert ok is (not case["wantErr"]), case["desc"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vectors(path: Path) -> None:
    case = _load(path)
    ok = verify_consistency(
        case["size1"], case["size2"], _b(case["root1"]), _b(case["root2"]), _proof(case["proof"])
    )
    assert ok is (not case["wantErr"]), case["desc"]


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _mth(d: list[bytes]) -> bytes:
    """The RFC's recursive definition, as the reference for the fast iterative one."""
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return node_hash(_mth(d[:k]), _mth(d[k:]))


def test_known_roots() -> None:
    assert root_hash([]) == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    # RFC 6962 test tree of 8 leaves, as used by the vectors (root of consistency/1 happy path).
    rfc_leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    case = _load(DATA / "consistency" / "1" / "happy-path.json")
    assert root_hash([leaf_hash(d) for d in rfc_leaves]) == _b(case["root2"])
    assert leaf_hash(rfc_leaves[0]) == _b(case["root1"])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_incremental_root_equals_recursive_root(n: int) -> None:
    leaves = _leaves(n)
    cr = CompactRange()
    for i, leaf in enumerate(leaves):
        cr.append(leaf)
        if i % 37 == 0:
            assert cr.root() == _mth(leaves[: i + 1])
    assert cr.size == n
    assert cr.root() == root_hash(leaves) == _mth(leaves)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_generated_inclusion_proofs_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=200))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaves = _leaves(size + 5)
    root = root_hash(leaves[:size])
    proof = inclusion_proof(leaves, index, size)
    assert verify_inclusion(leaves[index], index, size, proof, root)
    assert not verify_inclusion(leaves[index], index, size, [*proof, root], root)
    if size > 1:
        assert not verify_inclusion(leaves[index], (index + 1) % size, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_generated_consistency_proofs_verify(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=200))
    m = data.draw(st.integers(min_value=1, max_value=n))
    leaves = _leaves(n)
    r1, r2 = root_hash(leaves[:m]), root_hash(leaves)
    proof = consistency_proof(leaves, m, n)
    assert verify_consistency(m, n, r1, r2, proof)
    if m < n:
        forged = root_hash([*leaves[: m - 1], leaf_hash(b"forged")])
        assert not verify_consistency(m, n, forged, r2, proof)
        assert not verify_consistency(m, n, r1, r2, proof[:-1])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=600))
def test_frontier_serialise_round_trip(n: int) -> None:
    cr = CompactRange()
    cr.extend(_leaves(n))
    restored = CompactRange.from_bytes(cr.to_bytes())
    assert restored == cr and restored.root() == cr.root()
    assert CompactRange(cr.size, cr.hashes) == cr
    restored.append(leaf_hash(b"next"))
    cr.append(leaf_hash(b"next"))
    assert restored.root() == cr.root() == root_hash([*_leaves(n), leaf_hash(b"next")])


def test_frontier_refuses_malformed() -> None:
    with pytest.raises(ValueError):
        CompactRange.from_bytes(b"\x00" * 7)
    with pytest.raises(ValueError):
        CompactRange(3, [EMPTY_ROOT])
    with pytest.raises(ValueError):
        CompactRange().append(b"short")


def test_proof_generators_refuse_bad_ranges() -> None:
    leaves = _leaves(4)
    for args in ((4, 4), (-1, 4), (0, 5)):
        with pytest.raises(ValueError):
            inclusion_proof(leaves, *args)
    for args in ((0, 4), (3, 2), (1, 5)):
        with pytest.raises(ValueError):
            consistency_proof(leaves, *args)


def test_canonical_record_bytes_is_unambiguous() -> None:
    oid = "0123456789abcdef0123456789abcdef"
    a = canonical_record_bytes(oid, 1, "a", b"bc")
    b = canonical_record_bytes(oid, 1, "ab", b"c")
    assert a != b
    assert canonical_record_bytes(oid.upper(), 1, "a", b"bc") == a
    assert (
        a
        == bytes([1])
        + bytes.fromhex(oid)
        + (1).to_bytes(8, "big")
        + (1).to_bytes(4, "big")
        + (2).to_bytes(8, "big")
        + b"a"
        + b"bc"
    )
    for bad in ("0123", "0123456789abcdef0123456789abcdeg", " " * 32):
        with pytest.raises(ValueError):
            canonical_record_bytes(bad, 1, "a", b"")
    with pytest.raises(ValueError):
        canonical_record_bytes(oid, -1, "a", b"")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.uuids().map(lambda u: u.hex),
            st.integers(min_value=0, max_value=2**64 - 1),
            st.sampled_from(["a", "domain.concern:Concern.Raised", "é"]),
            st.binary(max_size=64),
        ),
        max_size=20,
    )
)
def test_batch_leaf_hashes_equal_one_by_one(records: list[tuple[str, int, str, bytes]]) -> None:
    assert record_leaf_hashes(records) == [leaf_hash(canonical_record_bytes(*r)) for r in records]
    with pytest.raises(ValueError):
        record_leaf_hashes([("xyz", 1, "t", b"")])


def test_prefix_roots_equal_the_root_of_each_prefix() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(70)]
    sizes = [0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 69, 70]
    roots = prefix_roots(leaves, sizes)
    assert roots == {m: root_hash(leaves[:m]) for m in sizes}
