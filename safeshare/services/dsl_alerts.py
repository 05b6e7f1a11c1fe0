"""Telling the DSLs of each new concern by email, through the referrals' SMTP channel.

A follower reads the log from its tracked position (like the relay: never from a request
handler, never in the web process) and, for each concern raised, mails every DSL account a
notice with no personal data in it: whether it is urgent, and a link to the case. What was
sent is recorded as a `DslAlert`; an urgent one waits for a DSL to acknowledge it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from uuid import UUID

from domain.alert import DslAlert
from domain.concern import Concern
from domain.errors import InvalidValue
from domain.user import Role, User
from projections.db import ProjectionDb
from projections.runner import TRACKING_DDL
from safeshare.adapters.case_index import ALERTS_AWAITING, USERS
from safeshare.services.accounts import Account
from safeshare.services.certificate_expiry import expiring_certificates, expiry_message
from safeshare.services.context import Context
from safeshare.services.school import Safeshare
from sharing.channels.base import Delivered, DeliveryError

TRACKING_NAME = "dsl_alerts"
CERTIFICATE_WARNINGS_DDL = (
    "CREATE TABLE IF NOT EXISTS certificate_warnings (fingerprint TEXT PRIMARY KEY, "
    "sent_at TEXT NOT NULL)"
)
Sender = Callable[[str, EmailMessage], Delivered]


def alert_message(concern_id: UUID, urgent: bool, base_url: str, alert_id: UUID) -> EmailMessage:
    """The notice: the urgency and a link, nothing about the child (it may sit in a phone's
    notifications or a shared mailbox)."""
    m = EmailMessage()
    m["Subject"] = (
        "URGENT: a new safeguarding concern needs a DSL now"
        if urgent
        else "A new safeguarding concern has been raised"
    )
    m["Message-ID"] = f"<alert-{alert_id}@safeshare.invalid>"
    link = f"{base_url.rstrip('/')}/concerns/{concern_id}"
    first = (
        "A member of staff has raised a concern marked urgent: a child may be at immediate "
        "risk. Sign in to read it and acknowledge this alert:"
        if urgent
        else "A member of staff has raised a concern. Sign in to read it:"
    )
    m.set_content(f"{first}\n\n{link}\n\nThis message carries no personal data.\n")
    return m


def escalation_message(
    concern_id: UUID, base_url: str, alert_id: UUID, tier: str = "deputies"
) -> EmailMessage:
    """`tier`: "deputies" (the first escalation) or "headteacher" (the last)."""
    m = EmailMessage()
    head = tier == "headteacher"
    m["Subject"] = (
        "ESCALATED TO THE HEADTEACHER: an urgent safeguarding concern is still not acknowledged"
        if head
        else "ESCALATED: an urgent safeguarding concern has not been acknowledged"
    )
    m["Message-ID"] = f"<alert-{alert_id}-escalated-{tier}@safeshare.invalid>"
    link = f"{base_url.rstrip('/')}/concerns/{concern_id}"
    who = (
        "Neither the designated safeguarding leads nor their deputies have"
        if head
        else "No designated safeguarding lead has"
    )
    m.set_content(
        f"{who} acknowledged an urgent concern in time. "
        f"Sign in and act on it now:\n\n{link}\n\nThis message carries no personal data.\n"
    )
    return m


class AlertService:
    def __init__(self, ctx: Context, db: ProjectionDb) -> None:
        self.ctx = ctx
        self.db = db
        with db.transaction() as tx:
            tx.execute(TRACKING_DDL)
            tx.execute(CERTIFICATE_WARNINGS_DDL)

    def _position(self) -> int:
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT position FROM projection_tracking WHERE name = ?", (TRACKING_NAME,)
            )
        return int(row[0]) if row else 0

    def _track(self, position: int) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (TRACKING_NAME,))
            tx.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, ?)",
                (TRACKING_NAME, position),
            )

    def dsl_emails(self, deputies_only: bool = False) -> list[str]:
        """Every DSL account in use (not locked, not disabled); only the deputies if asked."""
        emails = []
        for user_id in self.ctx.app.index.records_keyed(USERS):  # the accounts, not the log
            user = self.ctx.app.find(user_id, User)
            if user is None or user.role is not Role.DSL or user.locked or user.disabled:
                continue
            if deputies_only and not user.deputy:
                continue
            emails.append(user.email)
        return sorted(emails)

    def send_new(self, send: Sender) -> int:
        """Alert the DSLs of every concern raised since the last run; returns how many."""
        sent = 0
        position = self._position()
        for n in self.ctx.app.recorder.select_notifications(
            start=position, limit=1000, topics=[Concern.Raised.TOPIC], inclusive_of_start=False
        ):
            concern_id = UUID(str(n.originator_id))
            alert_id = DslAlert.create_id(concern_id)
            if self.ctx.app.find(alert_id, DslAlert) is None:
                self._alert(concern_id, alert_id, send)
                sent += 1
            self._track(n.id)
        return sent

    def _alert(self, concern_id: UUID, alert_id: UUID, send: Sender) -> None:
        concern = self.ctx.app.read(concern_id, Concern)
        base = self.ctx.settings.web_base_url
        recipients = self.dsl_emails()
        receipts, failures = self._send_each(
            recipients, lambda: alert_message(concern_id, concern.urgent, base, alert_id), send
        )
        self.ctx.app.save(
            DslAlert(
                id=alert_id,
                concern_id=concern_id,
                urgent=concern.urgent,
                recipients=len(recipients),
                receipts=receipts,
                failures=failures,
                sent_at=self.ctx.clock(),
                requested_by="dsl alerts",
            )
        )

    def escalate_due(self, send: Sender) -> int:
        """Urgent alerts nobody acknowledged in time escalate: first to the deputy DSLs (every
        DSL if none is marked a deputy), then, still unacknowledged, to the headteacher (every
        DSL again if no headteacher is set). Returns how many escalations were sent."""
        s = self.ctx.settings
        to_deputies = timedelta(minutes=s.alert_escalate_after_minutes)
        to_head = timedelta(minutes=s.alert_headteacher_after_minutes)
        now = self.ctx.clock()
        escalated = 0
        # only urgent alerts still awaiting acknowledgement (the case index), not every alert
        for alert_id in self.ctx.app.index.records_keyed(ALERTS_AWAITING):
            alert = self.ctx.app.get(alert_id, DslAlert)
            if alert.should_escalate(now, to_deputies):
                recipients = self.dsl_emails(deputies_only=True) or self.dsl_emails()
                receipts, failures = self._mail(recipients, alert, "deputies", send)
                alert.record_escalation(len(recipients), receipts, failures)
            elif alert.should_escalate_to_headteacher(now, to_deputies, to_head):
                recipients = [s.headteacher_email] if s.headteacher_email else self.dsl_emails()
                receipts, failures = self._mail(recipients, alert, "headteacher", send)
                alert.record_headteacher_escalation(len(recipients), receipts, failures)
            else:
                continue
            self.ctx.app.save(alert)
            escalated += 1
        return escalated

    def _mail(
        self, recipients: list[str], alert: DslAlert, tier: str, send: Sender
    ) -> tuple[list[str], list[str]]:
        base = self.ctx.settings.web_base_url
        return self._send_each(
            recipients, lambda: escalation_message(alert.concern_id, base, alert.id, tier), send
        )

    def _send_each(
        self, recipients: list[str], make: Callable[[], EmailMessage], send: Sender
    ) -> tuple[list[str], list[str]]:
        """One message to each recipient; the receipts, and the failures by error class."""
        receipts: list[str] = []
        failures: list[str] = []
        for address in recipients:
            message = make()
            message["From"] = self.ctx.settings.smtp_sender
            message["To"] = address
            try:
                receipts.append(send(address, message).receipt)
            except DeliveryError as e:
                failures.append(e.error_class)
        return receipts, failures

    def warn_expiring_certificates(self, s: Safeshare, send: Sender) -> int:
        """Mail every DSL, once per certificate, that the school's signing certificate or an
        agency's expires within 30 days; returns how many certificates were warned of."""
        now = self.ctx.clock()
        warned = 0
        for expiring in expiring_certificates(s, now):
            with self.db.transaction() as tx:
                sent = tx.fetchone(
                    "SELECT 1 FROM certificate_warnings WHERE fingerprint = ?",
                    (expiring.fingerprint,),
                )
            if sent:
                continue
            failures = 0
            for address in self.dsl_emails():
                message = expiry_message(expiring, now)
                message["From"] = self.ctx.settings.smtp_sender
                message["To"] = address
                try:
                    send(address, message)
                except DeliveryError:
                    failures += 1
            if failures:
                continue  # not recorded: tried again on the next pass
            with self.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO certificate_warnings (fingerprint, sent_at) VALUES (?, ?)",
                    (expiring.fingerprint, now.isoformat()),
                )
            warned += 1
        return warned


class Acknowledgements:
    """A DSL acknowledges an urgent alert (from the case page)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def awaiting(self, concern_id: UUID) -> bool:
        alert = self.ctx.app.find(DslAlert.create_id(concern_id), DslAlert)
        return alert is not None and alert.awaiting_acknowledgement

    def acknowledge(self, concern_id: UUID, account: Account) -> None:
        alert = self.ctx.app.find(DslAlert.create_id(concern_id), DslAlert)
        if alert is None:
            raise InvalidValue("alert", "no alert was sent for this concern")
        alert.acknowledge(f"{account.actor} (web)")
        self.ctx.app.save(alert)
