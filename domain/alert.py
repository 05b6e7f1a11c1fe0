"""The DSLs are told of a new concern at once, out of hours too (issue 13, "The DSL is
told"). One alert per concern: sent by email to every DSL with no personal data in it (the
urgency and a link), and, for an urgent concern, acknowledged by a DSL."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.topics import stable_topics

_ALERT_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/dsl-alert")


def needs_acknowledgement(urgent: bool) -> bool:
    """Issue 13: "An urgent alert must be acknowledged by a DSL"."""
    return urgent


def escalation_due(sent_at: datetime, now: datetime, after: timedelta) -> bool:
    """Issue 13: "unacknowledged after a configured time (default 15 minutes) it escalates"."""
    return now - sent_at >= after


def headteacher_due(
    sent_at: datetime, now: datetime, to_deputies: timedelta, to_head: timedelta
) -> bool:
    """Issue 13: "it escalates to the deputies, then to the headteacher": the headteacher
    is told `to_head` after the deputies were."""
    return now - sent_at >= to_deputies + to_head


class DslAlert(CheapCopy, Aggregate):
    class Sent(Aggregate.Created):
        TOPIC = "safeshare:dsl-alert:sent"
        concern_id: UUID
        urgent: bool
        recipients: int
        receipts: list[str]
        failures: list[str]
        sent_at: datetime
        requested_by: str

    class Escalated(Aggregate.Event):
        TOPIC = "safeshare:dsl-alert:escalated"
        recipients: int
        receipts: list[str]
        failures: list[str]
        requested_by: str

    class EscalatedToHeadteacher(Aggregate.Event):
        """Still unacknowledged after the deputies were told: the headteacher is told."""

        TOPIC = "safeshare:dsl-alert:escalated-to-headteacher"
        recipients: int
        receipts: list[str]
        failures: list[str]
        requested_by: str

    class Acknowledged(Aggregate.Event):
        TOPIC = "safeshare:dsl-alert:acknowledged"
        recorded_by: str

    @staticmethod
    def create_id(concern_id: UUID) -> UUID:
        return uuid5(_ALERT_NAMESPACE, concern_id.hex)

    @event(Sent)
    def __init__(
        self,
        id: UUID,
        concern_id: UUID,
        urgent: bool,
        recipients: int,
        receipts: list[str],
        failures: list[str],
        sent_at: datetime,
        requested_by: str,
    ) -> None:
        self.concern_id = concern_id
        self.urgent = urgent
        self.recipients = recipients
        self.sent_at = sent_at
        self.escalated = False
        """Escalated to the deputy DSLs (the first tier)."""
        self.escalated_to_headteacher = False
        self.acknowledged_by: str | None = None

    def should_escalate(self, now: datetime, after: timedelta) -> bool:
        return (
            self.awaiting_acknowledgement
            and not self.escalated
            and escalation_due(self.sent_at, now, after)
        )

    def should_escalate_to_headteacher(
        self, now: datetime, to_deputies: timedelta, to_head: timedelta
    ) -> bool:
        return (
            self.awaiting_acknowledgement
            and self.escalated
            and not self.escalated_to_headteacher
            and headteacher_due(self.sent_at, now, to_deputies, to_head)
        )

    def record_headteacher_escalation(
        self, recipients: int, receipts: list[str], failures: list[str]
    ) -> None:
        self._escalated_to_headteacher(
            recipients=recipients,
            receipts=receipts,
            failures=failures,
            requested_by="dsl alerts",
        )

    @event(EscalatedToHeadteacher)
    def _escalated_to_headteacher(
        self, recipients: int, receipts: list[str], failures: list[str], requested_by: str
    ) -> None:
        self.escalated_to_headteacher = True

    def record_escalation(self, recipients: int, receipts: list[str], failures: list[str]) -> None:
        self._escalated(
            recipients=recipients,
            receipts=receipts,
            failures=failures,
            requested_by="dsl alerts",
        )

    @event(Escalated)
    def _escalated(
        self, recipients: int, receipts: list[str], failures: list[str], requested_by: str
    ) -> None:
        self.escalated = True

    @property
    def awaiting_acknowledgement(self) -> bool:
        return needs_acknowledgement(self.urgent) and self.acknowledged_by is None

    def acknowledge(self, by: str) -> None:
        if not self.awaiting_acknowledgement:
            raise InvalidValue("alert", "this alert needs no acknowledgement now")
        self._acknowledged(recorded_by=by)

    @event(Acknowledged)
    def _acknowledged(self, recorded_by: str) -> None:
        self.acknowledged_by = recorded_by


stable_topics(DslAlert, "safeshare:dsl-alert")
