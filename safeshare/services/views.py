"""What people read: a concern as it stands (or stood), its history, and the DSL's worklist.

Sealed values are opened here, at display, and show "[erased]" once the child's key is gone.
Every read of a case is recorded (the audit trail answers "who looked at this record?").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import AccessLog
from domain.concern import Concern
from domain.errors import InvalidValue
from domain.referral import Referral
from safeshare.services.appending import append_to_log
from safeshare.services.context import Context
from safeshare.services.phone_calls import phone_call_of
from safeshare.services.read_models import CaseView
from safeshare.services.record_views import RecordViews
from safeshare.services.shared_packets import shared_packet
from safeshare.validation import MAX_NAME, identifier, moment, optional_text, required_text

WorklistProvider = Callable[[], list[dict[str, Any]]]


class ViewService(RecordViews):
    def __init__(self, ctx: Context, worklist_provider: WorklistProvider | None = None) -> None:
        super().__init__(ctx)
        self.worklist_provider = worklist_provider

    # -- reading one case ----------------------------------------------------------------------

    def show_concern(
        self,
        concern_id: str,
        viewer: str,
        as_of: str | datetime | None = None,
        break_glass_reason: str | None = None,
    ) -> CaseView:
        viewer = required_text("by", viewer, MAX_NAME)
        current = self.ctx.concern(concern_id)
        action = self.open_case(current, viewer, break_glass_reason, "concern show")
        version: int | None = None
        at: datetime | None = None
        if as_of is not None:
            at = moment("as-of", as_of, self.ctx.clock(), allow_future=True)
            version = self.ctx.app.version_at(current.id, at)
            if version is None:
                raise InvalidValue("as-of", f"the concern did not exist yet at {at.isoformat()}")
        concern = self.ctx.app.get(current.id, Concern, version=version) if version else current
        self.record_view(concern.id, viewer, action + (" --as-of" if at else ""))
        events = list(self.ctx.app.events.get(concern.id, lte=concern.version))
        referrals = [self.referral_view(r) for r in self.referrals_of(concern, at)]
        return CaseView(
            concern=self.concern_view(concern),
            as_of=at.isoformat() if at else None,
            events=[self.event_view(concern.child_id, cast(Aggregate.Event, e)) for e in events],
            referrals=referrals,
        )

    def record_view(self, record_id: UUID, viewer: str, action: str) -> None:
        """Appended to the record's access log without loading it (its thousandth read costs
        what its first did); two people opening the record at once (in two web workers) both
        get theirs in, one after the other."""
        log_id = AccessLog.create_id(record_id)

        def opened() -> AccessLog:
            log = AccessLog(record_id=record_id)
            log.record_view(viewer, action)
            return log

        append_to_log(
            self.ctx.app,
            log_id,
            opened,
            lambda version: AccessLog.view_at(log_id, version, self.ctx.clock(), viewer, action),
            "recording the view",
        )

    def open_case(
        self, concern: Concern, viewer: str, break_glass_reason: str | None, action: str
    ) -> str:
        """A restricted case (an allegation against staff) opens for its case manager; for
        another DSL only by breaking the glass, the reason recorded on the case and the read
        flagged "BREAK-GLASS" in the audit trail; never for the person it is about or anyone
        they name. Returns the action to record for the read."""
        reason = self.ctx.sealer.seal_optional(
            concern.child_id,
            "access.break_glass_reason",
            optional_text("break-glass-reason", break_glass_reason),
        )
        if concern.open_restricted(viewer, reason):
            self.ctx.app.save(concern)
            return f"BREAK-GLASS {action}"
        return action

    def referrals_of(self, concern: Concern, at: datetime | None = None) -> list[Referral]:
        found: list[Referral] = []
        for decision in concern.decisions:
            for r in decision.recipients:
                rid = Referral.create_id(concern.id, decision.decision_no, r.agency_id)
                version = self.ctx.app.version_at(rid, at) if at else None
                if at and version is None:
                    continue
                referral = self.ctx.app.find(rid, Referral)
                if referral is not None and version is not None:
                    referral = self.ctx.app.get(rid, Referral, version=version)
                if referral is not None:
                    found.append(referral)
        return found

    def show_referral(
        self, referral_id: str, viewer: str, as_of: str | datetime | None = None
    ) -> dict[str, Any]:
        """A referral as it stands (or stood) and exactly what its agency received: the packet
        frozen at the decision, and its SHA-256, and the telephone referral if one was made.
        Recorded as a view of the concern."""
        viewer = required_text("by", viewer, MAX_NAME)
        rid = identifier("referral", referral_id)
        current = self.ctx.app.find(rid, Referral)
        if current is None:
            raise InvalidValue("referral", f"no referral with id {rid}")
        referral = current
        at: datetime | None = None
        if as_of is not None:
            at = moment("as-of", as_of, self.ctx.clock(), allow_future=True)
            version = self.ctx.app.version_at(rid, at)
            if version is None:
                raise InvalidValue("as-of", f"the referral did not exist yet at {at.isoformat()}")
            referral = self.ctx.app.get(rid, Referral, version=version)
        concern = self.ctx.concern(referral.concern_id)
        self.record_view(
            referral.concern_id, viewer, self.open_case(concern, viewer, None, "referral show")
        )
        packet = shared_packet(self.ctx.sealer, referral)
        return {
            **self.referral_view(referral).as_json(),
            "concern_id": str(referral.concern_id),
            "as_of": at.isoformat() if at else None,
            "sends": self.sends(referral),
            "phone_call": call.as_json() if (call := phone_call_of(self.ctx, referral)) else None,
            "packet": packet.as_dict() if packet else None,
        }

    def sends(self, referral: Referral) -> list[dict[str, Any]]:
        """Every attempt to send the referral: when, by which channel, and the hash recorded."""
        return [
            {
                "attempt": e.attempt,
                "channel": e.channel,
                "at": e.timestamp.isoformat(),
                "sealed_sha256": e.packet_sha256,
            }
            for e in self.ctx.app.events.get(referral.id, lte=referral.version)
            if isinstance(e, Referral.Dispatched)
        ]

    # -- the worklist ----------------------------------------------------------------------------

    def worklist(self) -> list[dict[str, Any]]:
        """What awaits the DSL, most pressing first, from the worklist projection (which the
        composition root wires in; it catches up with the log before answering)."""
        if self.worklist_provider is None:
            msg = "no worklist projection is wired into this ViewService"
            raise RuntimeError(msg)
        return self.worklist_provider()
