"""The integrity log projection on its own: a fake notification log, a real SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from projections.canonical import LeafHasher, canonical_record_bytes, record_leaf_hashes
from projections.checkpoint import verify_checkpoint
from projections.db import SQLiteProjectionDb, Tx
from projections.integrity_log import IntegrityLog, checkpoints, logged_leaves
from projections.merkle import leaf_hash, root_hash
from projections.runner import Item, Runner
from tests.support import SESSION_START

ORIGIN = "test/audit"


class FakeLog:
    """A notification log in memory, with gaps in its ids as PostgreSQL can have."""

    def __init__(self, n: int) -> None:
        ids = [uuid.UUID(int=i * 7919 + 1) for i in range(7)]
        self.items = [
            Notification(
                id=i + 1 + (i // 50) * 2,
                originator_id=ids[i % 7],
                originator_version=i // 7 + 1,
                topic="domain.concern:Concern.Raised",
                state=bytes([i % 256]) * 30,
            )
            for i in range(n)
        ]

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        return [n for n in self.items if n.id > after][:limit]

    def decode(self, notification: Notification) -> DomainEventProtocol[Any]:
        raise AssertionError("the integrity log never decodes")

    def max_position(self) -> int:
        return self.items[-1].id if self.items else 0

    def leaves(self) -> list[bytes]:
        return [
            leaf_hash(
                canonical_record_bytes(
                    uuid.UUID(str(n.originator_id)).hex, n.originator_version, n.topic, n.state
                )
            )
            for n in self.items
        ]


class Flaky(IntegrityLog):
    """Fails once on one notification, after the batch has already applied some."""

    fail_at: int | None = None

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        failing = [i for i, (n, _) in enumerate(items) if n.id == self.fail_at]
        if not failing:
            super().apply_batch(tx, items)
            return
        super().apply_batch(tx, items[: failing[0] + 1])
        self.fail_at = None
        raise RuntimeError("the batch fails after this record was applied")


def _log(key: Ed25519PrivateKey, every: int = 100, cls: type[IntegrityLog] = IntegrityLog) -> Any:
    now = SESSION_START
    return cls(ORIGIN, key, lambda: now, every_events=every, every=timedelta(days=1))


def _frontier_root(db: SQLiteProjectionDb, projection: IntegrityLog) -> bytes:
    with db.transaction() as tx:
        return projection.checkpoint(tx).root


def test_the_log_is_the_rfc_9162_tree_of_the_records_with_checkpoints_every_n(
    tmp_path: Path,
) -> None:
    key = Ed25519PrivateKey.generate()
    source, db = FakeLog(730), SQLiteProjectionDb(tmp_path / "p.sqlite")
    log = _log(key)
    runner = Runner(log, source, db, batch=64)
    runner.catch_up()
    leaves = source.leaves()
    with db.transaction() as tx:
        assert [h for _, h in logged_leaves(tx)] == leaves
        assert [p for p, _ in logged_leaves(tx)] == [n.id for n in source.items]
        cps = checkpoints(tx)
    assert [cp.size for cp in cps] == list(range(100, 701, 100))
    assert all(cp.root == root_hash(leaves[: cp.size]) for cp in cps)
    assert all(verify_checkpoint(cp, key.public_key()) for cp in cps)
    assert _frontier_root(db, log) == root_hash(leaves)
    db.close()


def test_a_failed_batch_leaves_nothing_behind_in_memory(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    source, db = FakeLog(300), SQLiteProjectionDb(tmp_path / "p.sqlite")
    log = _log(key, every=1000, cls=Flaky)
    log.fail_at = source.items[120].id
    runner = Runner(log, source, db, batch=50)
    with pytest.raises(RuntimeError):
        runner.catch_up()
    runner.catch_up()
    assert _frontier_root(db, log) == root_hash(source.leaves())
    db.close()


def test_two_runners_taking_turns_keep_one_tree(tmp_path: Path) -> None:
    """Another process appending between our batches: the cache must notice and reload."""
    key = Ed25519PrivateKey.generate()
    source, db = FakeLog(400), SQLiteProjectionDb(tmp_path / "p.sqlite")
    a, b = _log(key), _log(key)
    ra, rb = Runner(a, source, db, batch=30), Runner(b, source, db, batch=30)
    while ra.run_once() + rb.run_once():
        pass
    leaves = source.leaves()
    assert _frontier_root(db, a) == _frontier_root(db, b) == root_hash(leaves)
    with db.transaction() as tx:
        assert [cp.root for cp in checkpoints(tx)] == [
            root_hash(leaves[:size]) for size in (100, 200, 300, 400)
        ]
    db.close()


def test_the_one_at_a_time_hasher_gives_the_batch_hashes() -> None:
    source = FakeLog(40)
    hasher = LeafHasher(max_cached=3)  # small, so the caches are cleared on the way
    records = [(n.originator_id, n.originator_version, n.topic, n.state) for n in source.items]
    hex_records = [(uuid.UUID(str(o)).hex, v, t, s) for o, v, t, s in records]
    assert [hasher(*r) for r in records] == source.leaves()
    assert [hasher(*r) for r in hex_records] == record_leaf_hashes(hex_records)
    with pytest.raises(ValueError):
        hasher("not-a-uuid", 1, "t", b"")


def test_proofs_from_the_stored_subtrees_are_the_proofs_from_every_leaf(tmp_path: Path) -> None:
    """`audit replay` proves a record from the log's stored subtree roots instead of hashing
    the whole log: the proofs are exactly RFC 9162's, for every record, at every size, also
    for a log made before the subtrees were kept (filled in once when it is opened)."""
    from projections.integrity_nodes import StoredTree
    from projections.merkle import inclusion_proof

    key = Ed25519PrivateKey.generate()
    source, db = FakeLog(1300), SQLiteProjectionDb(tmp_path / "p.sqlite")
    runner = Runner(_log(key, every=1000), source, db, batch=97)
    runner.catch_up()
    leaves = source.leaves()

    def same_proofs() -> None:
        with db.transaction() as tx:
            stored = tx.fetchone("SELECT count(*) FROM integrity_nodes")
            assert stored is not None and int(stored[0]) == 1300 // 256 + 1300 // 512 + 1
            tree = StoredTree(tx)
            for size in (1, 2, 255, 256, 257, 511, 512, 513, 1024, 1299, 1300):
                for index in {0, size // 3, size // 2, size - 1}:
                    assert tree.inclusion_proof(index, size) == inclusion_proof(leaves, index, size)

    same_proofs()
    with db.transaction() as tx:
        tx.execute("DROP TABLE integrity_nodes")
    with db.transaction() as tx:
        runner.projection.create(tx)
    same_proofs()
    db.close()


def test_consistency_proofs_from_the_stored_subtrees_are_rfc_9162s(tmp_path: Path) -> None:
    """What a school sends its witness: the proof that the tree of size m (the size the witness
    last cosigned) is a prefix of size n, from the stored subtrees, exactly RFC 9162's."""
    from projections.integrity_nodes import StoredTree
    from projections.merkle import consistency_proof

    key = Ed25519PrivateKey.generate()
    source, db = FakeLog(1300), SQLiteProjectionDb(tmp_path / "p.sqlite")
    Runner(_log(key, every=1000), source, db, batch=97).catch_up()
    leaves = source.leaves()
    with db.transaction() as tx:
        tree = StoredTree(tx)
        for n in (1, 2, 255, 256, 257, 513, 1024, 1300):
            for m in {1, n // 3 or 1, n // 2 or 1, n - 1 or 1, n}:
                assert tree.consistency_proof(m, n) == consistency_proof(leaves, m, n)
    db.close()
