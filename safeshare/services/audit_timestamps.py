"""RFC 3161 timestamps of the integrity log's checkpoints: asked of the configured TSA after
each checkpoint, and each token checked at `audit verify` with `openssl ts -verify`."""

from __future__ import annotations

from projections.db import ProjectionDb
from projections.integrity_diagnosis import CHECKPOINT_TIMESTAMP, Problem
from projections.integrity_log import numbered_checkpoints, record_timestamp, timestamps
from safeshare.adapters.timestamping import request_timestamp, verify_timestamp
from safeshare.settings import Settings


def timestamp_pending(settings: Settings, db: ProjectionDb) -> int:
    """Ask the configured TSA to timestamp every checkpoint that has no token yet (those
    signed by the runner in between too); returns how many. Network calls happen here,
    never inside the log's transaction, and a failure leaves them pending for next time."""
    url = settings.tsa_url
    if not url:
        return 0
    with db.transaction() as tx:
        done = timestamps(tx)
        pending = [(seq, cp) for seq, cp in numbered_checkpoints(tx) if seq not in done]
    for seq, cp in pending:
        response = request_timestamp(url, cp.body())
        with db.transaction() as tx:
            record_timestamp(tx, seq, response)
    return len(pending)


def timestamp_problems(settings: Settings, db: ProjectionDb) -> list[Problem]:
    """Each recorded RFC 3161 token checked with `openssl ts -verify` against the TSA's CA."""
    ca = settings.tsa_ca_file
    if ca is None:
        return []
    with db.transaction() as tx:
        tokens = timestamps(tx)
        numbered = numbered_checkpoints(tx)
    return [
        Problem(
            CHECKPOINT_TIMESTAMP,
            None,
            f"checkpoint {i} (size {cp.size}): its RFC 3161 timestamp does not verify",
        )
        for i, (seq, cp) in enumerate(numbered, 1)
        if seq in tokens and not verify_timestamp(cp.body(), tokens[seq], ca)
    ]
