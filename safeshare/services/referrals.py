"""Referral commands and queries: the list the DSL works from, a retry after fixing an
agency, and the local authority's acknowledgement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.codes import AgencyOutcome
from domain.referral import ReferralStatus
from safeshare.services.alerts import portal_upload_instructions
from safeshare.services.school import Safeshare
from safeshare.validation import MAX_NAME, code, moment, optional_code, required_text


def portal_uploads(s: Safeshare, referral_ids: Sequence[str]) -> list[dict[str, str]]:
    """For the DSL at the moment of deciding: each referral that goes by portal upload, with
    what to do. Dispatch escalates these too (`PORTAL_UPLOAD`), so none is forgotten."""
    uploads = []
    for rid in referral_ids:
        referral = s.packets.referral(rid)
        agency_id = referral.agency_id
        portal = s.packets.portal_of(referral)
        if portal is not None:
            uploads.append(
                {
                    "referral_id": rid,
                    "agency_id": agency_id,
                    "portal": portal,
                    "instructions": portal_upload_instructions(rid, portal),
                }
            )
    return uploads


def list_referrals(s: Safeshare, status: str | None = None) -> list[dict[str, Any]]:
    """Every referral (ids, agency, status, attempts, last error code), escalated and failed
    first, then urgent first: what `safeshare referral list` shows. No personal data.

    From the case index: costs the referrals listed (one row each), not the events behind
    them."""
    chosen = optional_code("status", status, ReferralStatus)
    wanted = None if chosen is None else [chosen.value]
    rows = [
        {
            "referral_id": str(r.referral_id),
            "concern_id": str(r.concern_id),
            "agency_id": r.agency_id,
            "status": r.status,
            "urgent": r.urgent,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "escalation_reason": r.escalation_reason,
            "receipt": r.receipt,
            "updated_at": r.updated_at.isoformat(),
        }
        for r in s.app.index.referral_rows(wanted)
    ]
    pressing = {"escalated": 0, "failed": 1}
    rows.sort(key=lambda row: (pressing.get(str(row["status"]), 2), not row["urgent"]))
    return rows


def retry_referral(s: Safeshare, referral_id: str, by: str) -> dict[str, Any]:
    """The DSL re-sends a referral (after fixing its agency): records `RetryRequested`, which
    the relay turns into a new deliver task with a fresh attempt count and deadline."""
    referral = s.packets.referral(referral_id)
    referral.request_retry(required_text("by", by, MAX_NAME))
    s.app.save(referral)
    return {"referral_id": str(referral.id), "status": referral.status.value, "by": by}


def acknowledge_referral(
    s: Safeshare, referral_id: str, outcome: str, at: str, by: str
) -> dict[str, Any]:
    """The DSL records the agency's acknowledgement and decision (timeliness measures it
    against "within one working day")."""
    referral = s.packets.referral(referral_id)
    when = moment("at", at, s.ctx.clock())
    referral.record_acknowledgement(
        code("outcome", outcome, AgencyOutcome), when, required_text("by", by, MAX_NAME)
    )
    s.app.save(referral)
    return {"referral_id": str(referral.id), "outcome": outcome, "acknowledged_at": when}
