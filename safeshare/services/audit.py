"""What auditors verify (DESIGN.md "Integrity"): the composition of the integrity log.

`AuditService` wires the pure pieces in `projections/` (Merkle tree, canonical record bytes,
checkpoints, diagnosis, bundle) to one school's event store and projections database. It reads
the store only through the application's recorder, exactly as any projection does, so what it
verifies is what is stored: ciphertext, untouched by erasure.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.domain import Aggregate

from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from projections.bundle import BundleRecord, write_bundle
from projections.canonical import record_leaf_hashes
from projections.checkpoint import Checkpoint
from projections.integrity_diagnosis import (
    CHECKPOINT_TIMESTAMP,
    Problem,
    diagnose,
)
from projections.integrity_log import (
    IntegrityLog,
    checkpoint_texts,
    checkpoints,
    latest_checkpoint,
    leaf_indices,
    logged_leaves,
    notification_record,
    numbered_checkpoints,
    originator_hex,
    record_timestamp,
    timestamps,
)
from projections.integrity_nodes import StoredTree
from projections.key_handover import diagnose_key_handovers
from projections.merkle import verify_inclusion
from projections.runner import Runner
from safeshare.adapters.audit_key import (
    load_audit_key,
    load_retired_public_keys,
    public_key_pem,
)
from safeshare.adapters.audit_store import event_positions, read_store, store_leaves
from safeshare.adapters.sealing import Sealer
from safeshare.adapters.timestamping import request_timestamp, verify_timestamp
from safeshare.services.audit_verify import intact_in_pages
from safeshare.services.audit_witness import WitnessCheck, check_witnessed
from safeshare.services.school import Safeshare
from safeshare.services.shared_packets import shared_packet
from safeshare.services.witnessing import WitnessAnswer, newest_witnessed, send_latest
from safeshare.validation import moment


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


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
        """Ask the configured TSA to timestamp every checkpoint that has no token yet (those
        signed by the runner in between too); returns how many. Network calls happen here,
        never inside the log's transaction, and a failure leaves them pending for next time."""
        url = self.s.settings.tsa_url
        if not url:
            return 0
        with self.db.transaction() as tx:
            done = timestamps(tx)
            pending = [(seq, cp) for seq, cp in numbered_checkpoints(tx) if seq not in done]
        for seq, cp in pending:
            response = request_timestamp(url, cp.body())
            with self.db.transaction() as tx:
                record_timestamp(tx, seq, response)
        return len(pending)

    def _timestamp_problems(self) -> list[Problem]:
        """Each recorded RFC 3161 token checked with `openssl ts -verify` against the TSA's CA."""
        ca = self.s.settings.tsa_ca_file
        if ca is None:
            return []
        with self.db.transaction() as tx:
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
        """The concern exactly as the record stood at `as_of`, its events up to then, and an
        inclusion proof of each against the latest checkpoint. Nothing recorded after `as_of`
        is read: the concern, its child and its referrals are each loaded at their version
        as of that moment (timestamp side table)."""
        ctx, views, app = self.s.ctx, self.s.views, self.s.app
        current = ctx.concern(concern_id)
        at = moment("as-of", as_of, ctx.clock(), allow_future=True)
        answer: dict[str, Any] = {"concern_id": str(current.id), "as_of": at.isoformat()}
        version = app.version_at(current.id, at)
        if version is None:
            message = f"the concern did not exist yet at {at.isoformat()}"
            return {**answer, "existed": False, "message": message, "events": []}
        views.record_view(current.id, viewer, "audit replay --as-of")
        concern = app.get(current.id, Concern, version=version)
        child_version = app.version_at(concern.child_id, at)
        child = app.get(concern.child_id, Child, version=child_version) if child_version else None
        view = views.concern_view(concern).model_copy(
            update={"child": views.child_view(child, concern.child_id)}
        )
        events = cast(list[Aggregate.Event], list(app.events.get(concern.id, lte=version)))
        proofs, cp = self._proofs(concern.id, version)
        return {
            **answer,
            "existed": True,
            "version": version,
            "concern": view.as_json(),
            "events": [
                {**views.event_view(concern.child_id, e).as_json(), **proofs[e.originator_version]}
                for e in events
            ],
            "referrals": [
                {**views.referral_view(r).as_json(), "packet": _packet_as_sent(ctx.sealer, r)}
                for r in views.referrals_of(concern, at)
            ],
            "checkpoint": cp.to_text(),
        }

    def _proofs(
        self, aggregate_id: UUID, version: int
    ) -> tuple[dict[int, dict[str, Any]], Checkpoint]:
        """Inclusion proof of each stored record of the aggregate up to `version` against the
        latest checkpoint (signed now if it does not cover them yet)."""
        positions = event_positions(self.s.app, aggregate_id, version)
        stored = self.s.app.recorder.select_events(aggregate_id, lte=version)
        records = [
            (originator_hex(e.originator_id), e.originator_version, e.topic, e.state)
            for e in stored
        ]
        leaves = dict(zip((r[1] for r in records), record_leaf_hashes(records), strict=True))
        self.catch_up()
        with self.db.transaction() as tx:
            indices = leaf_indices(tx, list(positions.values()))
            cp = latest_checkpoint(tx)
        if cp is None or any(i >= cp.size for i in indices.values()):
            cp = self.checkpoint()
        out: dict[int, dict[str, Any]] = {}
        with self.db.transaction() as tx:
            tree = StoredTree(tx)
            for v, leaf in leaves.items():
                position = positions.get(v)
                index = indices.get(position) if position is not None else None
                if position is None or index is None:
                    out[v] = {"position": position, "leaf_index": None, "included": False}
                    continue
                proof = tree.inclusion_proof(index, cp.size)
                out[v] = {
                    "position": position,
                    "leaf_index": index,
                    "leaf_hash": _b64(leaf),
                    "proof": [_b64(p) for p in proof],
                    "included": verify_inclusion(leaf, index, cp.size, proof, cp.root),
                }
        return out, cp

    def export(self, directory: Path, concern_id: str | None = None) -> dict[str, Any]:
        """Write the offline bundle: every stored record (ciphertext), every checkpoint (one
        signed now), the public key, and inclusion proofs of the concern's records if given."""
        wanted: set[str] = set()
        if concern_id is not None:
            concern = self.s.ctx.concern(concern_id)
            wanted = {concern.id.hex} | {r.id.hex for r in self.s.views.referrals_of(concern)}
        latest = self.checkpoint()
        records = [
            BundleRecord(n.id, *notification_record(n))
            for batch in read_store(self.s.app)
            for n in batch
        ]
        proof_indices = [
            i for i, r in enumerate(records) if r.originator_id in wanted and i < latest.size
        ]
        with self.db.transaction() as tx:
            numbered = numbered_checkpoints(tx)
            tokens = timestamps(tx)
        write_bundle(
            directory,
            records,
            [cp for _, cp in numbered],
            public_key_pem(self.public_key),
            proof_indices=proof_indices,
            retired_public_key_pems=[public_key_pem(k) for k in self.public_keys[1:]],
        )
        with self.db.transaction() as tx:
            texts = checkpoint_texts(tx)
        for i, text in enumerate(texts, 1):  # as stored: a key handover's two signatures
            (directory / "checkpoints" / f"{i:04d}.txt").write_text(
                text, encoding="utf-8", newline="\n"
            )
        for i, (seq, _) in enumerate(numbered, 1):
            if seq in tokens:  # beside NNNN.txt: `openssl ts -verify -data <body> -in NNNN.tsr`
                (directory / "checkpoints" / f"{i:04d}.tsr").write_bytes(tokens[seq])
        return {
            "directory": str(directory),
            "records": len(records),
            "checkpoints": len(numbered),
            "timestamps": sum(1 for seq, _ in numbered if seq in tokens),
            "inclusion_proofs": len(proof_indices),
        }


def audit_service(s: Safeshare) -> AuditService:
    """The school's audit service, built once per `Safeshare`."""
    if s.audit is None:
        s.audit = AuditService(s)
    return s.audit


def _packet_as_sent(sealer: Sealer, referral: Referral) -> dict[str, Any] | None:
    """Golden rule 7: exactly what the agency received, as frozen at the decision."""
    packet = shared_packet(sealer, referral)
    return packet.as_dict() if packet else None
