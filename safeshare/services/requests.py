"""Requests for information received (Children Act 2004 s16H / s14B): recorded, decided
through the same flowchart on the concern they are about, and the reply to the requester
recorded."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import RequestBasis, label
from domain.concern_values import Decision
from domain.errors import InvalidValue
from domain.information_request import InformationRequest
from safeshare.services.agencies import AgencyService
from safeshare.services.concerns import ConcernService, DecisionResult
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, identifier, optional_text, required_text


class RequestService:
    def __init__(self, ctx: Context, agencies: AgencyService, concerns: ConcernService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.concerns = concerns

    def receive(
        self,
        concern_id: str,
        requester: str,
        what: str,
        why: str | None,
        by: str,
        cites: str = "none",
    ) -> UUID:
        """Record a request: who asks (an agency in the directory), what for, why, and the
        power they cite."""
        concern = self.ctx.concern(concern_id)
        self.ctx.check_live(concern)
        self.agencies.get(requester, field="from")
        seal = self.ctx.sealer
        request = InformationRequest.receive(
            concern_id=concern.id,
            child_id=concern.child_id,
            requester_id=requester,
            cited=code("cites", cites, RequestBasis),
            what=seal.seal(concern.child_id, "request.what", required_text("what", what)),
            why=seal.seal_optional(concern.child_id, "request.why", optional_text("why", why)),
            recorded_by=required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(request)
        return request.id

    def request(self, request_id: str | UUID) -> InformationRequest:
        rid = identifier("request", request_id)
        found = self.ctx.app.find(rid, InformationRequest)
        if found is None:
            raise InvalidValue("request", f"no request for information with id {rid}")
        return found

    def answer(
        self,
        request_id: str,
        share: bool,
        reasons: str | None,
        by: str,
        purpose: str | None = None,
        fields: list[str] | None = None,
    ) -> DecisionResult:
        """Decide through the flowchart, either way, with reasons; a share goes to the
        requester as a referral. The request records the decision in the same transaction."""
        request = self.request(request_id)
        u = self.ctx.sealer.unseal
        why = u(request.child_id, request.why)

        def record_on_request(decision: Decision) -> list[Aggregate]:
            request.record_decision(decision.decision_no, decision.share, decision.decided_by)
            return [request]

        return self.concerns.decide(
            str(request.concern_id),
            share,
            reasons,
            by,
            purpose=purpose or why,
            to=[request.requester_id] if share else [],
            fields={request.requester_id: fields} if fields else None,
            along=record_on_request,
        )

    def reply(self, request_id: str, reply: str | None, by: str) -> None:
        """The reply to the requester: what they were told (for a refusal, the reasons, as
        discussed with them)."""
        request = self.request(request_id)
        request.record_reply(
            self.ctx.sealer.seal_optional(
                request.child_id, "request.reply", optional_text("reply", reply)
            ),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(request)

    def show(self, request_id: str) -> dict[str, Any]:
        request = self.request(request_id)
        u = self.ctx.sealer.unseal
        cid = request.child_id
        return {
            "request_id": str(request.id),
            "concern_id": str(request.concern_id),
            "requester_id": request.requester_id,
            "cites": request.cited.value,
            "cites_label": label(request.cited),
            "what": u(cid, request.what),
            "why": u(cid, request.why),
            "received_at": request.created_on.isoformat(),
            "recorded_by": request.recorded_by,
            "decision_no": request.decision_no,
            "shared": request.shared,
            "reply": u(cid, request.reply),
            "awaiting_reply": request.awaiting_reply,
        }
