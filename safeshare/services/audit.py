"""What auditors verify (DESIGN.md "Integrity"): the composition of the integrity log.

`AuditService` wires the pure pieces in `projections/` (Merkle tree, canonical record bytes,
checkpoints, diagnosis, bundle) to one school's event store and projections database. It reads
the store only through the application's recorder, exactly as any projection does, so what it
verifies is what is stored: ciphertext, untouched by erasure. Logging, signing and verifying
are here; the rest is beside it: `audit_verify` (an intact record confirmed a page at a time),
`audit_timestamps` (RFC 3161 tokens), `audit_witness` (witnessed checkpoints), `audit_replay`
(as-of replay with inclusion proofs) and `audit_bundle` (the offline bundle).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.checkpoint import Checkpoint
from projections.integrity_diagnosis import Problem, diagnose
from projections.integrity_log import (
    IntegrityLog,
    checkpoint_texts,
    checkpoints,
    logged_leaves,
)
from projections.key_handover import diagnose_key_handovers
from projections.runner import Runner
from safeshare.adapters.audit_key import load_audit_key, load_retired_public_keys
from safeshare.adapters.audit_store import store_leaves
from safeshare.services.audit_bundle import export_bundle
from safeshare.services.audit_replay import replay_as_of
from safeshare.services.audit_timestamps import timestamp_pending, timestamp_problems
from safeshare.services.audit_verify import intact_in_pages
from safeshare.services.audit_witness import WitnessCheck, check_witnessed
from safeshare.services.school import Safeshare
from safeshare.services.witnessing import WitnessAnswer, newest_witnessed, send_latest


class AuditService:
    """Checkpoints, verification, as-of replay and the offline bundle for one school."""

    def __init__(self, s: Safeshare) -> None:
        self.s = s
        settings = s.settings
        self.key = load_audit_key(settings)
        self.public_key = self.key.public_key()
        self.public_keys = [self.public_key, *load_retired_public_keys(settings)]
        """The current audit key and those it replaced: old checkpoints still verify."""
        self.origin = settings.log_origin
        self.log = IntegrityLog(
            self.origin,
            self.key,
            s.ctx.clock,
            every_events=settings.checkpoint_every_events,
            every=timedelta(minutes=settings.checkpoint_every_minutes),
        )
        self.db = s.projection_db()
        self.runner = Runner(self.log, s.event_source(), self.db)
        self._unlogged = 0
        self.witness_answers: list[WitnessAnswer] = []

    def catch_up(self) -> int:
        """Log every record stored since the last run; returns how many."""
        return self.runner.catch_up()

    def checkpoint(self) -> Checkpoint:
        """Sign the log as it stands, after catching up (`audit checkpoint`)."""
        self.catch_up()
        with self.db.transaction() as tx:
            cp = self.log.checkpoint(tx)
        self.timestamp_pending()
        self.witness_answers = self.witness_pending()
        return cp

    def witness_pending(self) -> list[WitnessAnswer]:
        """The latest checkpoint and the tombstones to the witnesses (`witnessing.py`)."""
        return send_latest(self.s.settings, self.db, self.key)

    def check_witnessed(
        self, texts: list[tuple[str, str]], witness_key: Ed25519PublicKey | None
    ) -> WitnessCheck:
        """Witnessed checkpoints (name, text) against the store as it is now."""
        leaves = [h for _, h in store_leaves(self.s.app)]
        return check_witnessed(texts, leaves, self.public_keys, self.origin, witness_key)

    def newest_witnessed(self) -> tuple[str, int, datetime] | None:
        """The newest cosignature this school received (its own record of it)."""
        return newest_witnessed(self.db)

    def timestamp_pending(self) -> int:
        """Ask the TSA to timestamp every checkpoint without a token (`audit_timestamps.py`)."""
        return timestamp_pending(self.s.settings, self.db)

    def _timestamp_problems(self) -> list[Problem]:
        return timestamp_problems(self.s.settings, self.db)

    def checkpoints(self) -> list[Checkpoint]:
        with self.db.transaction() as tx:
            return checkpoints(tx)

    def verify(self, external: Sequence[Checkpoint] = ()) -> list[Problem]:
        """Recompute the tree from the store and compare with the logged leaves and every
        checkpoint (the log's own and those an auditor kept); empty when all holds.

        Verification only reads: it does not catch the log up first, because catching up
        would log, as if genuine, whatever an intruder left after the logged part (a record
        renumbered past the end, say). Records stored since the log last ran are reported by
        `unlogged` and covered by the next `checkpoint`. An intact record is confirmed a page
        at a time (`audit_verify.py`); the full diagnosis, which holds every leaf, runs only
        when something does not hold, to say what and where.
        """
        with self.db.transaction() as tx:
            own = checkpoints(tx)
        unlogged = intact_in_pages(self.s.app, self.db, own, external, self.public_key, self.origin)
        if unlogged is not None:
            self._unlogged = unlogged
            return self._timestamp_problems()
        recomputed = store_leaves(self.s.app)
        with self.db.transaction() as tx:
            logged = logged_leaves(tx)
            own = checkpoints(tx)
            texts = checkpoint_texts(tx)
        last = logged[-1][0] if logged else 0
        known = {h for _, h in logged}
        self._unlogged = sum(1 for p, h in recomputed if p > last and h not in known)
        return (
            diagnose(
                logged, recomputed, own, self.public_keys, origin=self.origin, external=external
            )
            + diagnose_key_handovers(texts, self.public_keys)
            + self._timestamp_problems()
        )

    def unlogged(self) -> int:
        """How many stored records lay beyond the log at the last `verify` (not yet covered)."""
        return self._unlogged

    def replay(
        self, concern_id: str, as_of: str | datetime, viewer: str = "auditor"
    ) -> dict[str, Any]:
        """The concern exactly as the record stood at `as_of`, with inclusion proofs
        (`audit_replay.py`)."""
        return replay_as_of(self, concern_id, as_of, viewer)

    def export(self, directory: Path, concern_id: str | None = None) -> dict[str, Any]:
        """Write the offline bundle (`audit_bundle.py`)."""
        return export_bundle(self, directory, concern_id)


def audit_service(s: Safeshare) -> AuditService:
    """The school's audit service, built once per `Safeshare`."""
    if s.audit is None:
        s.audit = AuditService(s)
    return s.audit
