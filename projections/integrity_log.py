"""The integrity log: an RFC 9162 Merkle tree over the stored event records, as a projection.

Why a projection: it follows the notification log exactly once like every other read model
(tracking row in the same transaction), so it never misses or double-counts a record, and it
hashes the records exactly as stored (`decode = False`): ciphertext, so erasure changes nothing
it covers. Why these tables:

    integrity_leaves       (position, leaf_index, leaf_hash): what `audit verify` compares the
                           store with, record by record, and what proofs are built from
    integrity_state        the stored frontier (`CompactRange.to_bytes`), so each append costs
                           O(log n) and the root is known without rereading any leaf
    integrity_checkpoints  every signed checkpoint (the C2SP text), oldest first
    integrity_timestamps   the RFC 3161 timestamp response for a checkpoint, when a TSA is used

The frontier row is written every `FRONTIER_EVERY` leaves, not every leaf: on reload the leaves
logged after it are appended again, which keeps the append path at one INSERT per record
(one `executemany` per batch when the runner catches up).

`drop` (rebuild) keeps the checkpoints and their timestamps: they are signed evidence of what
the log was, and a rebuild from a tampered store must still be compared with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from projections.canonical import LeafHasher
from projections.checkpoint import Checkpoint, sign_checkpoint
from projections.db import Tx
from projections.integrity_diagnosis import PositionedLeaf
from projections.integrity_nodes import BLOCK, create_nodes, drop_nodes, store_completed
from projections.merkle import CompactRange
from projections.runner import Item

FRONTIER_EVERY = 256
_STATE_KEY = "integrity"


def originator_hex(originator_id: UUID | str) -> str:
    """The 32-hex-digit form the canonical record bytes use, whatever the store returned."""
    return originator_id.hex if isinstance(originator_id, UUID) else UUID(originator_id).hex


def notification_record(n: Notification) -> tuple[str, int, str, bytes]:
    """(originator id, version, topic, stored state): exactly what a leaf commits to."""
    return (originator_hex(n.originator_id), n.originator_version, n.topic, n.state)


@dataclass
class _Cache:
    """The frontier and checkpoint schedule as of the end of the current transaction's work."""

    tx: Tx
    frontier: CompactRange
    position: int
    saved_size: int
    last_cp_size: int
    last_cp_at: datetime
    started: datetime
    last_leaf: bytes


class IntegrityLog:
    """The `projections.runner.Projection` that keeps the Merkle tree of the store."""

    name = "integrity_log"
    decode = False

    def __init__(
        self,
        origin: str,
        key: Ed25519PrivateKey | None,
        clock: Callable[[], datetime],
        every_events: int = 1000,
        every: timedelta = timedelta(hours=1),
    ) -> None:
        self.origin = origin
        self.key = key
        self.clock = clock
        self.every_events = every_events
        self.every = every
        self._cache: _Cache | None = None
        self._hash = LeafHasher()

    # -- Projection ----------------------------------------------------------------------------

    def create(self, tx: Tx) -> None:
        blob = "BLOB" if tx.dialect == "sqlite" else "BYTEA"
        tx.execute(
            "CREATE TABLE IF NOT EXISTS integrity_leaves (position BIGINT PRIMARY KEY, "
            f"leaf_index BIGINT NOT NULL UNIQUE, leaf_hash {blob} NOT NULL)"
        )
        tx.execute(
            "CREATE TABLE IF NOT EXISTS integrity_state (name TEXT PRIMARY KEY, "
            f"frontier {blob} NOT NULL, position BIGINT NOT NULL, started_at TEXT NOT NULL)"
        )
        tx.execute(
            "CREATE TABLE IF NOT EXISTS integrity_checkpoints (seq BIGINT PRIMARY KEY, "
            "size BIGINT NOT NULL, position BIGINT NOT NULL, recorded_at TEXT NOT NULL, "
            "note TEXT NOT NULL)"
        )
        tx.execute(
            "CREATE TABLE IF NOT EXISTS integrity_timestamps (seq BIGINT PRIMARY KEY, "
            f"response {blob} NOT NULL)"
        )
        create_nodes(tx)
        self._cache = None

    def drop(self, tx: Tx) -> None:
        tx.execute("DROP TABLE IF EXISTS integrity_leaves")
        tx.execute("DROP TABLE IF EXISTS integrity_state")
        drop_nodes(tx)
        self._cache = None

    def apply(
        self, tx: Tx, notification: Notification, event: DomainEventProtocol[Any] | None
    ) -> None:
        self.apply_batch(tx, [(notification, event)])

    def apply_batch(self, tx: Tx, items: Sequence[Item]) -> None:
        """Each record's leaf appended in order, as `apply` would one at a time; the leaf rows
        are written together (one `executemany`) before anything reads them back: the
        subtree a leaf completes (`store_completed` hashes the block's leaves from the table)
        and the end of the batch."""
        c = self._load(tx)
        rows: list[tuple[int, int, bytes]] = []
        for n, _ in items:
            leaf = self._hash(n.originator_id, n.originator_version, n.topic, n.state)
            rows.append((n.id, c.frontier.size, leaf))
            c.frontier.append(leaf)
            if c.frontier.size % BLOCK == 0:
                _insert_leaves(tx, rows)
                store_completed(tx, c.frontier.size)
            c.position, c.last_leaf = n.id, leaf
            if c.frontier.size - c.saved_size >= FRONTIER_EVERY:
                self._save_frontier(tx, c)
            if self.key is not None and c.frontier.size > c.last_cp_size:
                now = self.clock()
                if (
                    c.frontier.size - c.last_cp_size >= self.every_events
                    or now - c.last_cp_at >= self.every
                ):
                    self._record_checkpoint(tx, c, now)
        _insert_leaves(tx, rows)

    # -- on demand -----------------------------------------------------------------------------

    def checkpoint(self, tx: Tx) -> Checkpoint:
        """Sign the tree as it stands now (the log must be caught up by the caller's runner);
        when nothing was logged since the latest checkpoint, that one is returned instead."""
        if self.key is None:
            raise ValueError("no audit key: checkpoints cannot be signed")
        c = self._load(tx)
        latest = latest_checkpoint(tx)
        if latest is not None and latest.size == c.frontier.size:
            return latest
        return self._record_checkpoint(tx, c, self.clock())

    # -- internals -----------------------------------------------------------------------------

    def _load(self, tx: Tx) -> _Cache:
        """The frontier for this transaction, without rereading the tree when it can be helped.

        Within one transaction the cache is used as is. In a new one it is kept only if the
        log's last leaf row is the one the cache ended with (so the transaction that built it
        committed and nobody appended since): one indexed lookup instead of reloading the
        frontier and re-appending up to `FRONTIER_EVERY` leaves per batch. Otherwise (a
        rolled-back batch, another process) everything is reloaded from the tables.
        """
        c = self._cache
        if c is not None and c.tx is tx:
            return c
        last = tx.fetchone(
            "SELECT leaf_index, position, leaf_hash FROM integrity_leaves "
            "ORDER BY leaf_index DESC LIMIT 1"
        )
        if c is not None and (
            (last is None and c.frontier.size == 0)
            or (
                last is not None
                and int(last[0]) == c.frontier.size - 1
                and int(last[1]) == c.position
                and bytes(last[2]) == c.last_leaf
            )
        ):
            c.tx = tx
        else:
            c = self._reload(tx, b"" if last is None else bytes(last[2]))
        cp = tx.fetchone(
            "SELECT size, recorded_at FROM integrity_checkpoints ORDER BY seq DESC LIMIT 1"
        )
        c.last_cp_size, c.last_cp_at = 0, c.started
        if cp is not None:
            c.last_cp_size, c.last_cp_at = int(cp[0]), datetime.fromisoformat(str(cp[1]))
        self._cache = c
        return c

    def _reload(self, tx: Tx, last_leaf: bytes) -> _Cache:
        """The stored frontier, then every leaf logged after it appended again."""
        row = tx.fetchone(
            "SELECT frontier, position, started_at FROM integrity_state WHERE name = ?",
            (_STATE_KEY,),
        )
        if row is None:
            frontier, position, started = CompactRange(), 0, self.clock()
            tx.execute(
                "INSERT INTO integrity_state (name, frontier, position, started_at) "
                "VALUES (?, ?, ?, ?)",
                (_STATE_KEY, frontier.to_bytes(), 0, started.isoformat()),
            )
        else:
            frontier = CompactRange.from_bytes(bytes(row[0]))
            position, started = int(row[1]), datetime.fromisoformat(str(row[2]))
        saved_size = frontier.size
        for later_position, later_leaf in tx.fetchall(
            "SELECT position, leaf_hash FROM integrity_leaves WHERE position > ? ORDER BY position",
            (position,),
        ):
            frontier.append(bytes(later_leaf))
            position = int(later_position)
        return _Cache(tx, frontier, position, saved_size, 0, started, started, last_leaf)

    def _save_frontier(self, tx: Tx, c: _Cache) -> None:
        tx.execute(
            "UPDATE integrity_state SET frontier = ?, position = ? WHERE name = ?",
            (c.frontier.to_bytes(), c.position, _STATE_KEY),
        )
        c.saved_size = c.frontier.size

    def _record_checkpoint(self, tx: Tx, c: _Cache, now: datetime) -> Checkpoint:
        assert self.key is not None
        cp = sign_checkpoint(self.origin, c.frontier.size, c.frontier.root(), self.key, now)
        row = tx.fetchone("SELECT max(seq) FROM integrity_checkpoints")
        seq = int(row[0]) + 1 if row and row[0] is not None else 1
        tx.execute(
            "INSERT INTO integrity_checkpoints (seq, size, position, recorded_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (seq, cp.size, c.position, now.astimezone(UTC).isoformat(), cp.to_text()),
        )
        c.last_cp_size, c.last_cp_at = cp.size, now
        return cp


def _insert_leaves(tx: Tx, rows: list[tuple[int, int, bytes]]) -> None:
    """Write the leaf rows gathered so far and forget them."""
    if rows:
        tx.executemany(
            "INSERT INTO integrity_leaves (position, leaf_index, leaf_hash) VALUES (?, ?, ?)", rows
        )
        rows.clear()


# -- reading the log (for `audit verify`, replay and export) -------------------------------------


def logged_leaves(tx: Tx) -> list[PositionedLeaf]:
    """Every logged leaf with its notification position, in log order."""
    rows = tx.fetchall("SELECT position, leaf_hash FROM integrity_leaves ORDER BY leaf_index")
    if tx.dialect == "sqlite":
        return cast(list[PositionedLeaf], rows)  # already (int, bytes) pairs: no copy per row
    return [PositionedLeaf(int(p), bytes(h)) for p, h in rows]


def checkpoints(tx: Tx) -> list[Checkpoint]:
    """The log's own signed checkpoints, oldest first."""
    rows = tx.fetchall("SELECT note FROM integrity_checkpoints ORDER BY seq")
    return [Checkpoint.from_text(str(note)) for (note,) in rows]


def latest_checkpoint(tx: Tx) -> Checkpoint | None:
    row = tx.fetchone("SELECT note FROM integrity_checkpoints ORDER BY seq DESC LIMIT 1")
    return Checkpoint.from_text(str(row[0])) if row else None


def leaf_indices(tx: Tx, positions: list[int]) -> dict[int, int]:
    """Leaf index of each given notification position that is in the log."""
    if not positions:
        return {}
    marks = ", ".join("?" * len(positions))
    rows = tx.fetchall(
        f"SELECT position, leaf_index FROM integrity_leaves WHERE position IN ({marks})",
        positions,
    )
    return {int(p): int(i) for p, i in rows}


def numbered_checkpoints(tx: Tx) -> list[tuple[int, Checkpoint]]:
    """(sequence number, checkpoint), oldest first: the number keys its timestamp."""
    rows = tx.fetchall("SELECT seq, note FROM integrity_checkpoints ORDER BY seq")
    return [(int(seq), Checkpoint.from_text(str(note))) for seq, note in rows]


def timestamps(tx: Tx) -> dict[int, bytes]:
    """The RFC 3161 responses recorded so far, by checkpoint sequence number."""
    rows = tx.fetchall("SELECT seq, response FROM integrity_timestamps")
    return {int(seq): bytes(response) for seq, response in rows}


def record_timestamp(tx: Tx, seq: int, response: bytes) -> None:
    tx.execute("INSERT INTO integrity_timestamps (seq, response) VALUES (?, ?)", (seq, response))


def checkpoint_texts(tx: Tx) -> list[str]:
    """The log's own checkpoints as stored (every signature line), oldest first."""
    return [
        str(note) for (note,) in tx.fetchall("SELECT note FROM integrity_checkpoints ORDER BY seq")
    ]


def replace_latest_text(tx: Tx, size: int, text: str) -> None:
    """Store the latest checkpoint's text again with a further signature over the same body
    (the audit key's handover); only the checkpoint of exactly `size` is touched."""
    row = tx.fetchone("SELECT max(seq) FROM integrity_checkpoints")
    if row is None or row[0] is None:
        raise ValueError("no checkpoint to cosign")
    tx.execute(
        "UPDATE integrity_checkpoints SET note = ? WHERE seq = ? AND size = ?",
        (text, int(row[0]), size),
    )
