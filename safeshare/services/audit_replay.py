"""As-of replay for auditors (`audit replay CASE --as-of DATE`): a concern exactly as the
record stood at a moment, with the proof that each of its events is in the verified log.

Nothing recorded after the moment is read: the concern, its child and its referrals are each
loaded at their version as of then (the timestamp side table), and each event's stored record
gets an inclusion proof against the latest checkpoint (signed now if it does not cover them).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from projections.canonical import record_leaf_hashes
from projections.checkpoint import Checkpoint
from projections.integrity_log import latest_checkpoint, leaf_indices, originator_hex
from projections.integrity_nodes import StoredTree
from projections.merkle import verify_inclusion
from safeshare.adapters.audit_store import event_positions
from safeshare.adapters.sealing import Sealer
from safeshare.services.shared_packets import shared_packet
from safeshare.validation import moment

if TYPE_CHECKING:
    from safeshare.services.audit import AuditService


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def replay_as_of(
    audit: AuditService, concern_id: str, as_of: str | datetime, viewer: str
) -> dict[str, Any]:
    """The concern exactly as the record stood at `as_of`, its events up to then, and an
    inclusion proof of each against the latest checkpoint. The replay is a recorded view."""
    s = audit.s
    ctx, views, app = s.ctx, s.views, s.app
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
    proofs, cp = inclusion_proofs(audit, concern.id, version)
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


def inclusion_proofs(
    audit: AuditService, aggregate_id: UUID, version: int
) -> tuple[dict[int, dict[str, Any]], Checkpoint]:
    """Inclusion proof of each stored record of the aggregate up to `version` against the
    latest checkpoint (signed now if it does not cover them yet)."""
    app = audit.s.app
    positions = event_positions(app, aggregate_id, version)
    stored = app.recorder.select_events(aggregate_id, lte=version)
    records = [
        (originator_hex(e.originator_id), e.originator_version, e.topic, e.state) for e in stored
    ]
    leaves = dict(zip((r[1] for r in records), record_leaf_hashes(records), strict=True))
    audit.catch_up()
    with audit.db.transaction() as tx:
        indices = leaf_indices(tx, list(positions.values()))
        cp = latest_checkpoint(tx)
    if cp is None or any(i >= cp.size for i in indices.values()):
        cp = audit.checkpoint()
    out: dict[int, dict[str, Any]] = {}
    with audit.db.transaction() as tx:
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


def _packet_as_sent(sealer: Sealer, referral: Referral) -> dict[str, Any] | None:
    """Golden rule 7: exactly what the agency received, as frozen at the decision."""
    packet = shared_packet(sealer, referral)
    return packet.as_dict() if packet else None
