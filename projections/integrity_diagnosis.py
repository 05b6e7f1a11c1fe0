"""What `audit verify` tells an auditor: every integrity problem, in plain words, with its position.

Pure functions, no database: the caller reads (a) the leaf hashes the integrity log recorded as it
was built, with the notification position of each record, (b) the leaf hashes recomputed now from
the records in the store, with their positions, and (c) the signed checkpoints. A bare "root
mismatch" tells an auditor that something is wrong but not what; comparing leaf by leaf says which
record was changed, removed, inserted, reordered or cut off, so the DSL can find it. The
checkpoint checks then show that the recorded leaves themselves were not rewritten: a checkpoint
an auditor kept from earlier cannot agree with a rewritten log, even if the rewrite was re-signed.

Records in the store after the last logged position are not yet in the log (the log follows the
store), so they are not problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.checkpoint import Checkpoint, verify_checkpoint
from projections.merkle import consistency_proof, prefix_roots, verify_consistency

CHANGED = "changed"
REMOVED = "removed"
INSERTED = "inserted"
SWAPPED = "swapped"
MOVED = "moved"
TRUNCATED = "truncated"
RENUMBERED = "renumbered"
CHECKPOINT_ORIGIN = "checkpoint-origin"
CHECKPOINT_SIGNATURE = "checkpoint-signature"
CHECKPOINT_SIZE = "checkpoint-size"
CHECKPOINT_ROOT = "checkpoint-root"
CHECKPOINT_ORDER = "checkpoint-order"
CHECKPOINT_CONSISTENCY = "checkpoint-consistency"
CHECKPOINT_TIMESTAMP = "checkpoint-timestamp"


class PositionedLeaf(NamedTuple):
    """A record's leaf hash and its notification position (ids may have gaps)."""

    position: int
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class Problem:
    """One integrity problem; `position` is the notification position when there is one."""

    kind: str
    position: int | None
    message: str


def _by_position(leaves: Iterable[PositionedLeaf], what: str) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for position, h in leaves:
        if position in out:
            raise ValueError(f"{what}: position {position} appears twice")
        out[position] = h
    return out


def _untouched(expected: list[PositionedLeaf], recomputed: list[PositionedLeaf]) -> bool:
    """The common case at C speed: the store begins with exactly the logged leaves, in the
    same order at the same positions, and holds nothing else but records stored after them."""
    n = len(expected)
    if recomputed[:n] != expected:
        return False
    last = expected[-1][0] if expected else None
    positions = [p for p, _ in recomputed]
    if len(set(positions)) != len(positions) or positions != sorted(positions):
        return False
    return last is None or all(p > last for p in positions[n:])


def diagnose_leaves(
    expected: Iterable[PositionedLeaf], recomputed: Iterable[PositionedLeaf]
) -> list[Problem]:
    """Compare the logged leaves with the leaves recomputed from the store, record by record.

    The two sequences are aligned in order (by rank, not by position), so that a record
    inserted or removed with every later record renumbered to hide the gap is reported once
    as an insertion or a removal, plus one "renumbered" problem for the run that moved, rather
    than as a change at every later position.
    """
    expected, recomputed = list(expected), list(recomputed)
    if _untouched(expected, recomputed):
        return []
    logged = sorted(_by_position(expected, "the log").items())
    store_all = sorted(_by_position(recomputed, "the store").items())
    problems: list[Problem] = []
    if not logged:
        return problems
    last_logged = logged[-1][0]
    logged_index = {h: i for i, (_, h) in enumerate(logged)}
    store = [(p, h) for p, h in store_all if p <= last_logged or h in logged_index]
    in_store = {h for _, h in store}
    store_index = {h: j for j, (_, h) in enumerate(store)}
    swapped_at: set[int] = set()
    runs: list[tuple[int, int, int, int]] = []  # (offset, first, last logged position, count)

    i = j = 0
    previous_match = -2
    while i < len(logged) and j < len(store):
        lp, lh = logged[i]
        sp, sh = store[j]
        if i in swapped_at and j == i:
            i, j = i + 1, j + 1
            continue
        if lh == sh:
            if sp != lp:
                d = sp - lp
                if runs and runs[-1][0] == d and previous_match == i - 1:
                    runs[-1] = (d, runs[-1][1], lp, runs[-1][3] + 1)
                else:
                    runs.append((d, lp, lp, 1))
            previous_match = i
            i, j = i + 1, j + 1
            continue
        known = sh in logged_index
        present = lh in in_store
        if known and present:
            k = logged_index[sh]
            if k == store_index[lh] and k > i and store[k][1] == lh:
                swapped_at.add(k)
                problems.append(
                    Problem(
                        SWAPPED, sp, f"the records at positions {sp} and {store[k][0]} were swapped"
                    )
                )
            else:
                problems.append(
                    Problem(
                        MOVED,
                        sp,
                        f"position {sp} now holds the record logged at position {logged[k][0]}",
                    )
                )
            i, j = i + 1, j + 1
        elif known:
            k = logged_index[sh]
            if k > i and all(logged[x][1] not in in_store for x in range(i, k)):
                for x in range(i, k):
                    problems.append(
                        Problem(
                            REMOVED,
                            logged[x][0],
                            f"the record at position {logged[x][0]} was removed",
                        )
                    )
                i = k
            else:
                problems.append(
                    Problem(
                        MOVED,
                        sp,
                        f"position {sp} now holds the record logged at position {logged[k][0]}",
                    )
                )
                i, j = i + 1, j + 1
        elif present:
            problems.append(
                Problem(INSERTED, sp, f"a record was inserted at position {sp}, not in the log")
            )
            j += 1
        else:
            problems.append(Problem(CHANGED, sp, f"the record at position {sp} was changed"))
            i, j = i + 1, j + 1
    if i < len(logged):
        tail = [p for p, _ in logged[i:]]
        before = [p for p, _ in store if p < tail[0]]
        ends = f"ends at position {before[-1]}" if before else "is empty"
        problems.append(
            Problem(
                TRUNCATED,
                tail[0],
                f"the store {ends} but the log continues to position {tail[-1]}: "
                f"{len(tail)} record(s) from position {tail[0]} onwards are gone",
            )
        )
    for sp, _ in store[j:]:
        if sp <= last_logged:
            problems.append(
                Problem(INSERTED, sp, f"a record was inserted at position {sp}, not in the log")
            )
    for d, first, last, count in runs:
        problems.append(
            Problem(
                RENUMBERED,
                first + d,
                f"{count} record(s) logged at positions {first} to {last} now sit at positions "
                f"{first + d} to {last + d} (renumbered by {d:+d})",
            )
        )
    problems.sort(key=lambda pr: pr.position if pr.position is not None else -1)
    return problems


def diagnose_checkpoints(
    checkpoints: Sequence[Checkpoint],
    leaf_hashes: Sequence[bytes],
    public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey],
    *,
    origin: str | None = None,
    external: Sequence[Checkpoint] = (),
) -> list[Problem]:
    """Check signed checkpoints against the leaves recomputed from the store (in position order).

    `checkpoints` are the log's own, oldest first; `external` are copies an auditor kept. Both
    are checked the same way: signed by the school's key, root equal to the recomputed root at
    that size, and each consistent with the next by size (RFC 9162 consistency proof built from
    the recomputed leaves, where one of the two roots holds and the other does not: the
    boundary where history was rewritten). A log rewritten and re-signed passes its own
    checkpoints but not the auditor's. `public_key` may be the school's audit keys, current and
    retired: a checkpoint verifies under any of them (key rotation).
    """
    keys = [public_key] if isinstance(public_key, Ed25519PublicKey) else list(public_key)
    labelled = [(f"checkpoint {i}", cp) for i, cp in enumerate(checkpoints, 1)]
    labelled += [(f"auditor's checkpoint {i}", cp) for i, cp in enumerate(external, 1)]
    problems: list[Problem] = []
    n = len(leaf_hashes)

    roots = prefix_roots(leaf_hashes, (cp.size for _, cp in labelled if cp.size <= n))

    for label, cp in labelled:
        name = f"{label} (size {cp.size})"
        if origin is not None and cp.origin != origin:
            problems.append(
                Problem(CHECKPOINT_ORIGIN, None, f"{name} is for another log: {cp.origin!r}")
            )
        if not any(verify_checkpoint(cp, k) for k in keys):
            problems.append(
                Problem(
                    CHECKPOINT_SIGNATURE,
                    None,
                    f"{name} signed by another key (or altered after signing)",
                )
            )
        if cp.size > n:
            problems.append(
                Problem(
                    CHECKPOINT_SIZE,
                    None,
                    f"{name} covers {cp.size} records but the store holds only {n}",
                )
            )
        elif roots[cp.size] != cp.root:
            problems.append(
                Problem(
                    CHECKPOINT_ROOT,
                    None,
                    f"{name}: its root does not match the first {cp.size} records in the store",
                )
            )

    for (la, a), (lb, b) in pairwise(labelled[: len(checkpoints)]):
        if b.size < a.size:
            problems.append(
                Problem(
                    CHECKPOINT_ORDER,
                    None,
                    f"{lb} (size {b.size}) is smaller than {la} (size {a.size}): "
                    "the log went backwards",
                )
            )

    by_size = sorted(labelled, key=lambda item: item[1].size)
    for (la, a), (lb, b) in pairwise(by_size):
        if a.size == 0 or b.size > n:
            continue  # the empty tree is a prefix of every tree; beyond the store: no proof
        a_holds, b_holds = roots[a.size] == a.root, roots[b.size] == b.root
        if a_holds == b_holds:
            # Both hold: roots of prefixes of the same leaves, consistent by construction.
            # Neither holds: each is already reported, and a proof built from the store's
            # leaves says nothing more about two roots the store no longer has (and costs O(n)
            # per pair: after an early change, every later checkpoint is in this case).
            continue
        proof = consistency_proof(leaf_hashes, a.size, b.size)
        if not verify_consistency(a.size, b.size, a.root, b.root, proof):
            problems.append(
                Problem(
                    CHECKPOINT_CONSISTENCY,
                    None,
                    f"{la} (size {a.size}) and {lb} (size {b.size}) are not consistent: "
                    f"the first {a.size} records differ between them",
                )
            )
    return problems


def diagnose(
    expected: Sequence[PositionedLeaf],
    recomputed: Sequence[PositionedLeaf],
    checkpoints: Sequence[Checkpoint],
    public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey],
    *,
    origin: str | None = None,
    external: Sequence[Checkpoint] = (),
) -> list[Problem]:
    """Everything `audit verify` checks; an empty list means the record holds."""
    leaves = [h for _, h in sorted(recomputed)]
    return diagnose_leaves(expected, recomputed) + diagnose_checkpoints(
        checkpoints, leaves, public_key, origin=origin, external=external
    )
