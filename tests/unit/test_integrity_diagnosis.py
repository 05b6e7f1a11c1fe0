"""`audit verify` diagnosis: every kind of tampering is named, with its position."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.canonical import canonical_record_bytes
from projections.checkpoint import Checkpoint, sign_checkpoint
from projections.integrity_diagnosis import (
    CHANGED,
    CHECKPOINT_CONSISTENCY,
    CHECKPOINT_ORDER,
    CHECKPOINT_ORIGIN,
    CHECKPOINT_ROOT,
    CHECKPOINT_SIGNATURE,
    CHECKPOINT_SIZE,
    INSERTED,
    MOVED,
    REMOVED,
    RENUMBERED,
    SWAPPED,
    TRUNCATED,
    PositionedLeaf,
    Problem,
    diagnose,
    diagnose_checkpoints,
    diagnose_leaves,
)
from projections.merkle import leaf_hash, root_hash

ORIGIN = "school.example.sch.uk/audit"
OID = "5f0c6c1e8a9b4d2f9e3a7b6c5d4e3f21"


def _leaf(n: int, state: bytes | None = None) -> bytes:
    return leaf_hash(canonical_record_bytes(OID, n, "domain.concern:Raised", state or bytes([n])))


def _log(positions: list[int]) -> list[PositionedLeaf]:
    return [PositionedLeaf(p, _leaf(p)) for p in positions]


# Notification ids start at 1 and may have gaps (a rolled-back transaction on PostgreSQL).
POSITIONS = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]


def _kinds(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.kind, p.position) for p in problems]


def test_untouched_store_has_no_problems() -> None:
    assert diagnose_leaves(_log(POSITIONS), _log(POSITIONS)) == []
    # Records stored after the log was last built are simply not logged yet.
    assert diagnose_leaves(_log(POSITIONS), _log([*POSITIONS, 12, 13])) == []
    assert diagnose_leaves([], _log(POSITIONS)) == []


def test_changed_record() -> None:
    store = _log(POSITIONS)
    store[4] = PositionedLeaf(6, _leaf(6, b"rewritten"))
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(CHANGED, 6)]
    assert "position 6 was changed" in problems[0].message


def test_removed_record() -> None:
    store = [leaf for leaf in _log(POSITIONS) if leaf.position != 3]
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(REMOVED, 3)]
    assert "position 3 was removed" in problems[0].message


def test_inserted_record_in_a_gap() -> None:
    store = [*_log(POSITIONS), PositionedLeaf(4, _leaf(4))]
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(INSERTED, 4)]
    assert "inserted at position 4" in problems[0].message


def test_swapped_records() -> None:
    store = _log(POSITIONS)
    store[1], store[5] = (
        PositionedLeaf(2, store[5].leaf_hash),
        PositionedLeaf(7, store[1].leaf_hash),
    )
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(SWAPPED, 2)]
    assert "positions 2 and 7 were swapped" in problems[0].message


def test_moved_record() -> None:
    store = _log(POSITIONS)
    store[2] = PositionedLeaf(3, _leaf(9))  # a copy of position 9 put over position 3
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(MOVED, 3)]
    assert "record logged at position 9" in problems[0].message


def test_record_inserted_with_later_records_renumbered_is_one_insertion() -> None:
    # No gap to insert into: the records from position 6 on were moved up by one first.
    store = [leaf for leaf in _log(POSITIONS) if leaf.position < 6]
    store += [PositionedLeaf(6, _leaf(6, b"forged"))]
    store += [PositionedLeaf(leaf.position + 1, leaf.leaf_hash) for leaf in _log(POSITIONS[4:])]
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(INSERTED, 6), (RENUMBERED, 7)]
    assert "6 record(s) logged at positions 6 to 11 now sit at positions 7 to 12" in (
        problems[1].message
    )


def test_record_removed_with_later_records_renumbered_is_one_removal() -> None:
    store = [leaf for leaf in _log(POSITIONS) if leaf.position < 6]
    store += [PositionedLeaf(leaf.position - 1, leaf.leaf_hash) for leaf in _log(POSITIONS[5:])]
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(REMOVED, 6), (RENUMBERED, 6)]


def test_truncated_tail() -> None:
    problems = diagnose_leaves(_log(POSITIONS), _log(POSITIONS[:7]))
    assert _kinds(problems) == [(TRUNCATED, 9)]
    assert "ends at position 8" in problems[0].message
    assert "3 record(s)" in problems[0].message
    assert _kinds(diagnose_leaves(_log(POSITIONS), [])) == [(TRUNCATED, 1)]


def test_several_problems_in_position_order() -> None:
    store = [leaf for leaf in _log(POSITIONS[:8]) if leaf.position != 2]
    store[3] = PositionedLeaf(6, _leaf(6, b"x"))
    problems = diagnose_leaves(_log(POSITIONS), store)
    assert _kinds(problems) == [(REMOVED, 2), (CHANGED, 6), (TRUNCATED, 10)]


def test_duplicate_positions_are_a_caller_error() -> None:
    with pytest.raises(ValueError):
        diagnose_leaves(_log([1, 1]), _log([1]))


# --- checkpoints -------------------------------------------------------------------------


KEY = Ed25519PrivateKey.generate()
LEAVES = [_leaf(p) for p in POSITIONS]


def _cp(size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = KEY) -> Checkpoint:
    return sign_checkpoint(ORIGIN, size, root_hash(leaves[:size]), key)


def _check(
    cps: list[Checkpoint], leaves: list[bytes] = LEAVES, external: list[Checkpoint] | None = None
) -> list[Problem]:
    return diagnose_checkpoints(
        cps, leaves, KEY.public_key(), origin=ORIGIN, external=external or []
    )


def test_good_checkpoints() -> None:
    assert _check([_cp(0), _cp(1), _cp(4), _cp(4), _cp(7), _cp(10)]) == []


def test_checkpoint_signed_by_another_key() -> None:
    problems = _check([_cp(3), _cp(7, key=Ed25519PrivateKey.generate())])
    assert [p.kind for p in problems] == [CHECKPOINT_SIGNATURE]
    assert (
        problems[0].message
        == "checkpoint 2 (size 7) signed by another key (or altered after signing)"
    )


def test_checkpoint_root_mismatch_after_a_change() -> None:
    changed = list(LEAVES)
    changed[5] = _leaf(7, b"rewritten")
    problems = _check([_cp(3), _cp(7), _cp(10)], changed)
    kinds = [p.kind for p in problems]
    assert kinds.count(CHECKPOINT_ROOT) == 2 and CHECKPOINT_CONSISTENCY in kinds
    assert (
        "checkpoint 2 (size 7): its root does not match the first 7 records" in problems[0].message
    )


def test_checkpoint_beyond_the_store() -> None:
    problems = _check([_cp(3), _cp(10)], LEAVES[:8])
    assert [p.kind for p in problems] == [CHECKPOINT_SIZE]
    assert "store holds only 8" in problems[0].message


def test_checkpoints_going_backwards_and_for_another_log() -> None:
    other = sign_checkpoint("elsewhere/audit", 3, root_hash(LEAVES[:3]), KEY)
    problems = _check([_cp(7), _cp(3), other])
    kinds = [p.kind for p in problems]
    assert CHECKPOINT_ORDER in kinds and CHECKPOINT_ORIGIN in kinds


def test_rewritten_and_re_signed_log_is_caught_by_an_auditors_checkpoint() -> None:
    """Whoever holds the audit key rewrites position 2 and re-signs every checkpoint."""
    auditor_kept = _cp(5)
    rewritten = list(LEAVES)
    rewritten[1] = _leaf(2, b"softened wording")
    resigned = [_cp(5, rewritten), _cp(10, rewritten)]
    assert _check(resigned, rewritten) == []  # the log's own heads agree with the rewrite
    problems = _check(resigned, rewritten, external=[auditor_kept])
    kinds = [p.kind for p in problems]
    assert CHECKPOINT_ROOT in kinds and CHECKPOINT_CONSISTENCY in kinds
    assert any("auditor's checkpoint 1 (size 5)" in p.message for p in problems)


def test_diagnose_combines_both() -> None:
    logged = _log(POSITIONS)
    store = list(logged)
    store[0] = PositionedLeaf(1, _leaf(1, b"changed"))
    problems = diagnose(logged, store, [_cp(4), _cp(10)], KEY.public_key(), origin=ORIGIN)
    assert (CHANGED, 1) in _kinds(problems)
    assert [p.kind for p in problems].count(CHECKPOINT_ROOT) == 2
    assert diagnose(logged, logged, [_cp(4), _cp(10)], KEY.public_key(), origin=ORIGIN) == []
