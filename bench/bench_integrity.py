"""How fast `audit verify` recomputes the integrity log, against bare hashlib.sha256.

Full verification = canonical record bytes + RFC 9162 leaf hash + Merkle root over all leaves,
exactly what `audit verify` computes from the store. The baseline reads the same records the
same way (iterating the same list) and only runs hashlib.sha256 over each record's stored state.
The ratio is full records/s divided by baseline records/s, measured in the same run (best of
three rounds each, interleaved, so a noisy neighbour hurts both alike).

Why the target cannot be far above 0.5 in CPython: the tree needs n-1 node hashes on top of
n leaf hashes, and the cost of a hashlib call is mostly per-call overhead, not SHA-256 itself.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable

from projections.canonical import record_leaf_hashes
from projections.merkle import root_hash

N_RECORDS = 200_000
EVENTS_PER_AGGREGATE = 10
TOPICS = [
    "domain.concern:Concern.Raised",
    "domain.concern:Concern.Triaged",
    "domain.concern:Concern.DecisionRecorded",
    "domain.referral:Referral.Dispatched",
]

Record = tuple[str, int, str, bytes]


def synthetic_records(n: int = N_RECORDS, seed: int = 6962) -> list[Record]:
    """Stored records: ~300-byte states (random, as encrypted states are), 10 per aggregate."""
    rng = random.Random(seed)
    ids = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(n // EVENTS_PER_AGGREGATE + 1)]
    return [
        (
            ids[i // EVENTS_PER_AGGREGATE],
            i % EVENTS_PER_AGGREGATE + 1,
            TOPICS[i % len(TOPICS)],
            rng.randbytes(280 + rng.randrange(41)),
        )
        for i in range(n)
    ]


def full_verify(records: list[Record]) -> bytes:
    """What `audit verify` computes: every leaf from the stored bytes, then the root."""
    return root_hash(record_leaf_hashes(records))


def raw_sha256(records: list[Record]) -> bytes:
    """The bare library over the same stored bytes."""
    sha = hashlib.sha256
    digests = [sha(state).digest() for _, _, _, state in records]
    return digests[-1]


def _best(fn: Callable[[list[Record]], bytes], records: list[Record], times: list[float]) -> None:
    start = time.perf_counter()
    fn(records)
    times.append(time.perf_counter() - start)


def main() -> None:
    records = synthetic_records()
    full_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(3):
        _best(raw_sha256, records, raw_times)
        _best(full_verify, records, full_times)
    full_rate = len(records) / min(full_times)
    raw_rate = len(records) / min(raw_times)
    print(f"records: {len(records)}")
    print(f"integrity-verify records/s: {full_rate:,.0f}")
    print(f"raw hashlib.sha256 records/s: {raw_rate:,.0f}")
    print(f"BENCH integrity-verify ratio={full_rate / raw_rate:.2f} target=0.50")


if __name__ == "__main__":
    main()
