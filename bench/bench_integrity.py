"""What the integrity log costs, measured on a real event store (SQLite file, encrypted states).

1. `audit verify` over a 200,000-record log against raw hashlib.sha256 of the same bytes read
   the same way: both sides read every record from the store with the recorder's
   `select_notifications`, in the same pages; the baseline then hashes each stored state with
   bare `hashlib.sha256`, while verification computes the canonical bytes, the RFC 9162 leaf
   hashes and tree, reads the logged leaves and checks every signed checkpoint. Rounds are
   interleaved (best of five each) so a noisy neighbour slows both alike.
2. The append path: safeshare saves with the integrity runner catching up after every save
   against the same saves with no integrity log, on two fresh stores, interleaved save by save;
   each side's rate is from its median save (a shared machine's spikes hit either at random).

`BENCH_INTEGRITY_RECORDS` (default 200000) and `BENCH_INTEGRITY_APPEND` (default 20000) shrink
the counts for a quick run.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from domain.access import AccessLog
from safeshare.adapters.audit_key import create_audit_key
from safeshare.adapters.audit_store import read_store
from safeshare.bootstrap import build, create_keys
from safeshare.services.audit import AuditService
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

EVENTS_PER_AGGREGATE = 10
AGGREGATES_PER_SAVE = 10
ROUNDS = 5
VIEWERS = ["DSL Ms Patel", "Deputy DSL Mr Okafor", "Head teacher", "Governor (safeguarding)"]
ACTIONS = ["concern show", "concern show --as-of", "chronology", "referral packet"]


def open_store(folder: Path) -> Safeshare:
    """A school's real store on SQLite files, keys made (no agencies: nothing else written)."""
    settings = Settings(data=folder, checkpoint_every_events=10_000)
    create_keys(settings)
    create_audit_key(settings)
    return build(settings)


def save_batch(s: Safeshare, n_aggregates: int) -> int:
    """One `app.save` of several access logs, ten events each; returns the events saved."""
    logs = []
    for i in range(n_aggregates):
        log = AccessLog(record_id=uuid4())
        for j in range(EVENTS_PER_AGGREGATE - 1):
            log.record_view(VIEWERS[(i + j) % 4], ACTIONS[j % 4])
        logs.append(log)
    s.app.save(*logs)
    return n_aggregates * EVENTS_PER_AGGREGATE


def fill(s: Safeshare, n_events: int, per_save: int = 100) -> None:
    done = 0
    while done < n_events:
        done += save_batch(s, min(per_save, (n_events - done) // EVENTS_PER_AGGREGATE or 1))


def raw_hashlib(s: Safeshare) -> int:
    """The baseline: the same records, read the same way, each state through bare sha256."""
    sha = hashlib.sha256
    count = 0
    for batch in read_store(s.app):
        for n in batch:
            sha(n.state).digest()
        count += len(batch)
    return count


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_verify(folder: Path, n_records: int) -> None:
    s = open_store(folder)
    try:
        start = time.perf_counter()
        fill(s, n_records, per_save=AGGREGATES_PER_SAVE * 10)
        print(f"stored {n_records:,} records in {time.perf_counter() - start:.1f}s")
        audit = AuditService(s)
        built = timed(audit.catch_up)
        print(f"integrity log built in {built:.1f}s ({n_records / built:,.0f} records/s)")
        assert raw_hashlib(s) == n_records
        verify_times: list[float] = []
        raw_times: list[float] = []
        for _ in range(ROUNDS):
            raw_times.append(timed(lambda: raw_hashlib(s)))
            start = time.perf_counter()
            problems = audit.verify()
            verify_times.append(time.perf_counter() - start)
            assert not problems, problems
        verify_rate = n_records / min(verify_times)
        raw_rate = n_records / min(raw_times)
        print(f"checkpoints: {len(audit.checkpoints())}")
        print(f"audit verify records/s: {verify_rate:,.0f}")
        print(f"read + raw hashlib.sha256 records/s: {raw_rate:,.0f}")
        print(f"BENCH integrity-verify ratio={verify_rate / raw_rate:.2f} target=0.50")
    finally:
        s.close()


def bench_append(folder: Path, n_events: int) -> None:
    plain = open_store(folder / "plain")
    logged = open_store(folder / "logged")
    try:
        audit = AuditService(logged)
        per_save = AGGREGATES_PER_SAVE
        saves = max(n_events // (per_save * EVENTS_PER_AGGREGATE), 1)
        plain_times: list[float] = []
        logged_times: list[float] = []
        for _ in range(saves):
            plain_times.append(timed(lambda: save_batch(plain, per_save)))
            logged_times.append(timed(lambda: (save_batch(logged, per_save), audit.catch_up())))
        assert audit.verify() == []
        events = per_save * EVENTS_PER_AGGREGATE
        plain_rate = events / statistics.median(plain_times)
        logged_rate = events / statistics.median(logged_times)
        print(f"append, {per_save * EVENTS_PER_AGGREGATE} events per save, {saves} saves:")
        print(f"  without integrity log events/s: {plain_rate:,.0f}")
        print(f"  with the runner after each save events/s: {logged_rate:,.0f}")
        print(f"BENCH integrity-append-overhead ratio={logged_rate / plain_rate:.2f} target=0.70")
    finally:
        plain.close()
        logged.close()


def main() -> None:
    n_records = int(os.environ.get("BENCH_INTEGRITY_RECORDS", "200000"))
    n_append = int(os.environ.get("BENCH_INTEGRITY_APPEND", "20000"))
    with tempfile.TemporaryDirectory(prefix="bench-integrity-") as tmp:
        bench_verify(Path(tmp) / "verify", n_records)
        bench_append(Path(tmp) / "append", n_append)


if __name__ == "__main__":
    main()
