"""A request for information received: an agency or the safeguarding partners ask the school.

"Safeguarding partners require a person or body to comply with a request for information, as
outlined in sections 16H and 14B of the Children Act 2004 ... Any request for information ...
should be necessary and proportionate to the reason for the request. Safeguarding partners
should ... explain why the information is needed." The school decides either way through the
same flowchart, on the concern the request is about, and "if the decision is not to share, it
is good practice to record the reasons for this decision and discuss them with the requester":
the reply is recorded too.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.codes import RequestBasis
from domain.copying import CheapCopy
from domain.errors import PolicyRefusal
from domain.sealed import Sealed
from domain.topics import stable_topics

RULE = "legislative framework: requests for information"


class InformationRequest(CheapCopy, Aggregate):
    """One request for information about the child of one concern."""

    class Received(Aggregate.Created):
        TOPIC = "safeshare:information-request:received"
        concern_id: UUID
        child_id: UUID
        requester_id: str
        cited: str
        what: Sealed
        why: Sealed
        recorded_by: str

    class Decided(Aggregate.Event):
        TOPIC = "safeshare:information-request:decided"
        decision_no: int
        share: bool
        decided_by: str

    class Replied(Aggregate.Event):
        TOPIC = "safeshare:information-request:replied"
        reply: Sealed
        recorded_by: str

    @event(Received)
    def __init__(
        self,
        concern_id: UUID,
        child_id: UUID,
        requester_id: str,
        cited: str,
        what: Sealed,
        why: Sealed,
        recorded_by: str,
    ) -> None:
        self.concern_id = concern_id
        self.child_id = child_id
        self.requester_id = requester_id
        self.cited = RequestBasis(cited)
        self.what = what
        self.why = why
        self.recorded_by = recorded_by
        self.decision_no: int | None = None
        self.shared: bool | None = None
        self.reply: Sealed | None = None

    @classmethod
    def receive(
        cls,
        concern_id: UUID,
        child_id: UUID,
        requester_id: str,
        cited: RequestBasis,
        what: Sealed,
        why: Sealed | None,
        recorded_by: str,
    ) -> InformationRequest:
        """ "Safeguarding partners should be mindful of the burden of requests and should
        explain why the information is needed": a request is recorded with its reason."""
        if why is None:
            raise PolicyRefusal(
                RULE,
                "a request for information is recorded with the requester's reason: ask them "
                "why the information is needed",
            )
        return cls(
            concern_id=concern_id,
            child_id=child_id,
            requester_id=requester_id,
            cited=cited.value,
            what=what,
            why=why,
            recorded_by=recorded_by,
        )

    def record_decision(self, decision_no: int, share: bool, decided_by: str) -> None:
        """The answer, decided through the flowchart on the concern (golden rule 7)."""
        if self.decision_no is not None:
            raise PolicyRefusal(RULE, "this request has already been answered")
        self._decided(decision_no=decision_no, share=share, decided_by=decided_by)

    @event(Decided)
    def _decided(self, decision_no: int, share: bool, decided_by: str) -> None:
        self.decision_no = decision_no
        self.shared = share

    def record_reply(self, reply: Sealed | None, recorded_by: str) -> None:
        """Principle Record: "If the decision is not to share, it is good practice to record
        the reasons for this decision and discuss them with the requester." The reply follows
        the decision and says what was told."""
        if self.decision_no is None:
            raise PolicyRefusal(RULE, "decide on the request before replying to the requester")
        if reply is None:
            raise PolicyRefusal(RULE, "the reply to the requester records what they were told")
        self._replied(reply=reply, recorded_by=recorded_by)

    @event(Replied)
    def _replied(self, reply: Sealed, recorded_by: str) -> None:
        self.reply = reply

    @property
    def awaiting_reply(self) -> bool:
        """Refused and not yet discussed with the requester."""
        return self.shared is False and self.reply is None


stable_topics(InformationRequest, "safeshare:information-request")
