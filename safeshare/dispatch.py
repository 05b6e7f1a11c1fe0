"""The dispatch wiring: one school's referrals as the workers see them (`workers.ports`).

This is the composition root's half of the workers: `wiring()` reads the settings from the
environment, and the Celery app (`workers.app`) calls it by name in each worker process, so
`workers/` never imports safeshare. Everything handed across is ids, codes and sealed bytes.

Consent withdrawn before delivery: the domain decides (`Concern.withdrawal_withholds`). A
referral that rested on the consent withdrawn, with no lawful basis without consent recorded,
is **withheld, not sent** (a recorded `Withheld` event, urgent or not); the DSL decides again.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.concern import Concern
from domain.errors import PolicyRefusal, SafeshareError
from domain.referral import Referral, ReferralStatus
from projections.runner import TRACKING_DDL
from safeshare.bootstrap import Safeshare, build
from safeshare.settings import Settings
from sharing.channels import (
    Channel,
    Envelope,
    HttpsChannel,
    SmtpChannel,
    TlsSettings,
    TransientDeliveryError,
)
from sharing.errors import SharingError
from workers.config import DispatchConfig, Wiring
from workers.ports import Attempt, Job, OpenReferral, Skip, Trigger

log = logging.getLogger("safeshare.dispatch")
TRIGGER_TOPICS = (Referral.Prepared.TOPIC, Referral.RetryRequested.TOPIC)
CHANNELS = ("smtp", "https")
OPEN = (ReferralStatus.PREPARED, ReferralStatus.DISPATCHED, ReferralStatus.FAILED)
_SAVE_TRIES = 5


def dispatch_config(settings: Settings) -> DispatchConfig:
    return DispatchConfig(
        broker_url=settings.broker_url,
        broker_db=settings.broker_db,
        queue_prefix=settings.queue_prefix,
        max_attempts=settings.dispatch_max_attempts,
        urgent_retry_base=settings.urgent_retry_base_seconds,
        urgent_retry_max=settings.urgent_retry_max_seconds,
        routine_retry_base=settings.routine_retry_base_seconds,
        routine_retry_max=settings.routine_retry_max_seconds,
        reconcile_after=settings.reconcile_after_seconds,
        urgent_reconcile_after=settings.urgent_reconcile_after_seconds,
        reconcile_interval=settings.reconcile_interval_seconds,
    )


def wiring_for(settings: Settings) -> Wiring:
    return Wiring(
        config=dispatch_config(settings),
        open_store=lambda: SafeshareDispatchStore(build(settings), own=True),
    )


def wiring() -> Wiring:
    """Entry point named by `SAFESHARE_DISPATCH_WIRING`: the school the environment names."""
    return wiring_for(Settings())


class SafeshareDispatchStore:
    """`workers.ports.DispatchStore` over one school's `Safeshare`."""

    def __init__(self, safeshare: Safeshare, own: bool = False) -> None:
        self.s = safeshare
        self.school = safeshare.settings.school
        self._own = own
        self._channels: dict[str, Channel] = {}
        with safeshare.projection_db().transaction() as tx:
            tx.execute(TRACKING_DDL)

    # -- the relay --------------------------------------------------------------------------

    def read_triggers(self, after: int, limit: int) -> Sequence[Trigger]:
        found = self.s.app.recorder.select_notifications(
            start=after, limit=limit, topics=TRIGGER_TOPICS, inclusive_of_start=False
        )
        triggers = []
        for n in found:
            event: Any = self.s.app.mapper.to_domain_event(n)
            if isinstance(event, Referral.Prepared):
                urgent = bool(event.urgent)
            else:
                urgent = self.s.app.get(_uuid(n.originator_id), Referral).urgent
            triggers.append(Trigger(n.id, Job(str(n.originator_id), urgent)))
        return triggers

    def max_position(self) -> int:
        return self.s.app.recorder.max_notification_id() or 0

    def tracked_position(self, name: str) -> int:
        with self.s.projection_db().transaction() as tx:
            row = tx.fetchone("SELECT position FROM projection_tracking WHERE name = ?", (name,))
        return int(row[0]) if row else 0

    def track(self, name: str, position: int) -> None:
        with self.s.projection_db().transaction() as tx:
            tx.execute("DELETE FROM projection_tracking WHERE name = ?", (name,))
            tx.execute(
                "INSERT INTO projection_tracking (name, position) VALUES (?, ?)", (name, position)
            )

    def open_referrals(self) -> Sequence[OpenReferral]:
        found = []
        for n in self.s.app.recorder.select_notifications(
            start=None, limit=10**9, topics=[Referral.Prepared.TOPIC]
        ):
            r = self.s.app.get(_uuid(n.originator_id), Referral)
            if r.status in OPEN:
                found.append(
                    OpenReferral(Job(str(r.id), r.urgent), r.modified_on, self.due_by(str(r.id)))
                )
        return found

    # -- the deliver task -------------------------------------------------------------------

    def now(self) -> datetime:
        return self.s.ctx.clock()

    def _referral(self, referral_id: str) -> Referral | None:
        try:
            rid = UUID(referral_id)
        except ValueError:
            return None
        return self.s.app.find(rid, Referral)

    def due_by(self, referral_id: str) -> datetime:
        """The deadline runs from the referral's preparation, or from the DSL's last retry
        (read only after a failure: a delivery that succeeds never needs it)."""
        referral = self._referral(referral_id)
        if referral is None:
            return self.now()
        started = referral.created_on
        for e in self.s.app.repository.event_store.get(referral.id):
            if isinstance(e, Referral.Prepared | Referral.RetryRequested):
                started = e.timestamp
        settings = self.s.settings
        seconds = (
            settings.urgent_deadline_seconds
            if referral.urgent
            else settings.routine_deadline_seconds
        )
        return started + timedelta(seconds=seconds)

    def begin_attempt(self, referral_id: str) -> Attempt | Skip:
        for _ in range(_SAVE_TRIES):
            r = self._referral(referral_id)
            if r is None:
                return Skip(referral_id, "unknown-referral")
            if r.status is ReferralStatus.DELIVERED:
                return Skip(referral_id, "already-delivered")
            if r.status is ReferralStatus.ESCALATED:
                return Skip(referral_id, "escalated-awaiting-dsl")
            if r.withheld:
                return Skip(referral_id, "withheld")
            concern = self.s.app.read(r.concern_id, Concern)
            if concern.withdrawal_withholds(r):
                r.withhold("consent-withdrawn", "dispatch")
                with contextlib.suppress(IntegrityError):
                    self.s.app.save(r)
                return Skip(referral_id, "withheld")
            if concern.child_data_erased:
                return Skip(referral_id, "child-erased", escalate=True)
            try:
                ready = self.s.packets.seal(r)
            except (SafeshareError, SharingError) as exc:
                return Skip(referral_id, f"packet-failed:{type(exc).__name__}", escalate=True)
            agency = ready.agency
            try:
                envelope = Envelope.of(
                    packet_id=ready.packet_id,
                    referral_id=str(r.id),
                    school=self.s.settings.school_name,
                    urgent=r.urgent,
                    address=str(agency["address"]),
                    sealed=ready.sealed.der,
                )
            except ValueError:
                return Skip(referral_id, "bad-agency-address", escalate=True)
            attempt = r.attempts + 1
            channel = str(agency["channel"])
            if channel not in CHANNELS:
                return Skip(referral_id, "unknown-channel", escalate=True)
            r.record_dispatched(attempt, channel, ready.packet_id, ready.sealed.sha256)
            try:
                self.s.app.save(r)
            except IntegrityError:
                continue  # another worker recorded something first: look again
            return Attempt(
                referral_id=referral_id,
                attempt=attempt,
                channel=channel,
                envelope=envelope,
                urgent=r.urgent,
            )
        return Skip(referral_id, "contended")

    def _change(self, referral_id: str, change: Any) -> bool:
        """Apply `change(referral)` and save, retrying on a concurrent write; False when the
        referral is already delivered (the policy refuses any further record)."""
        for _ in range(_SAVE_TRIES):
            r = self._referral(referral_id)
            if r is None:
                return False
            try:
                if change(r) is False:
                    return False
            except PolicyRefusal:
                return False
            try:
                self.s.app.save(r)
            except IntegrityError:
                continue
            return True
        msg = f"referral {referral_id}: too many concurrent writes"
        raise RuntimeError(msg)

    def record_delivered(self, referral_id: str, receipt: str) -> None:
        self._change(referral_id, lambda r: r.record_delivered(receipt))

    def record_failed(
        self, referral_id: str, attempt: int, error_class: str, permanent: bool
    ) -> None:
        self._change(
            referral_id, lambda r: r.record_delivery_failed(attempt, error_class, permanent)
        )

    def escalate(self, referral_id: str, reason: str) -> bool:
        def change(r: Referral) -> bool:
            if r.status in (ReferralStatus.ESCALATED, ReferralStatus.DELIVERED):
                return False
            r.escalate(reason)
            return True

        return self._change(referral_id, change)

    def channel(self, kind: str) -> Channel:
        found = self._channels.get(kind)
        if found is None:
            found = self._make_channel(kind)
            self._channels[kind] = found
        return found

    def _tls(self) -> TlsSettings:
        st = self.s.settings
        return TlsSettings(
            ca_file=st.tls_ca_file,
            client_cert=st.tls_client_cert,
            client_key=st.tls_client_key,
            timeout_seconds=st.channel_timeout_seconds,
        )

    def _make_channel(self, kind: str) -> Channel:
        st = self.s.settings
        if kind == "smtp":
            return SmtpChannel(
                st.smtp_host,
                st.smtp_port,
                st.smtp_sender,
                self._tls(),
                username=st.smtp_username,
                password=st.smtp_password,
            )
        if kind == "https":
            return HttpsChannel(self._tls())
        msg = f"no channel {kind!r}"
        raise ValueError(msg)

    def send_alert(self, referral_id: str, reason: str) -> None:
        """Mail the DSL: ids and a reason code only (the worklist has the rest)."""
        st = self.s.settings
        if not st.dsl_email:
            log.warning("referral %s escalated; no SAFESHARE_DSL_EMAIL to alert", referral_id)
            return
        message = EmailMessage()
        message["From"] = st.smtp_sender
        message["To"] = st.dsl_email
        message["Subject"] = f"Safeguarding referral {referral_id} ESCALATED ({reason})"
        message["Message-ID"] = make_msgid("alert", "safeshare")
        message["Date"] = formatdate(usegmt=True)
        message["X-Safeshare-Referral-Id"] = referral_id
        message.set_content(
            f"Referral {referral_id} could not be delivered ({reason}) and needs you.\n"
            "See the worklist in safeshare; after fixing the agency, run\n"
            f"  safeshare referral retry {referral_id} --by <your name>\n"
        )
        try:
            smtp = smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=st.channel_timeout_seconds)
            try:
                smtp.starttls(context=self._tls().client_context())
                if st.smtp_username and st.smtp_password:
                    smtp.login(st.smtp_username, st.smtp_password)
                smtp.send_message(message)
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
            finally:
                smtp.close()
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError("alert-not-sent") from exc

    def close(self) -> None:
        for channel in self._channels.values():
            if isinstance(channel, HttpsChannel):
                channel.close()
        self._channels.clear()
        if self._own:
            self.s.close()


def list_referrals(s: Safeshare, status: str | None = None) -> list[dict[str, Any]]:
    """Every referral (ids, agency, status, attempts, last error code), escalated and failed
    first, then urgent first: what `safeshare referral list` shows. No personal data."""
    wanted = ReferralStatus(status) if status else None
    rows = []
    for n in s.app.recorder.select_notifications(
        start=None, limit=10**9, topics=[Referral.Prepared.TOPIC]
    ):
        r = s.app.get(_uuid(n.originator_id), Referral)
        if wanted is not None and r.status is not wanted:
            continue
        rows.append(
            {
                "referral_id": str(r.id),
                "concern_id": str(r.concern_id),
                "agency_id": r.agency_id,
                "status": r.status.value,
                "urgent": r.urgent,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "escalation_reason": r.escalation_reason,
                "receipt": r.receipt,
                "updated_at": r.modified_on.isoformat(),
            }
        )
    pressing = {"escalated": 0, "failed": 1}
    rows.sort(key=lambda row: (pressing.get(str(row["status"]), 2), not row["urgent"]))
    return rows


def retry_referral(s: Safeshare, referral_id: str, by: str) -> dict[str, Any]:
    """The DSL re-sends a referral (after fixing its agency): records `RetryRequested`, which
    the relay turns into a new deliver task with a fresh attempt count and deadline."""
    from safeshare.validation import MAX_NAME, required_text

    referral = s.packets.referral(referral_id)
    referral.request_retry(required_text("by", by, MAX_NAME))
    s.app.save(referral)
    return {"referral_id": str(referral.id), "status": referral.status.value, "by": by}


def acknowledge_referral(
    s: Safeshare, referral_id: str, outcome: str, at: str, by: str
) -> dict[str, Any]:
    """The DSL records the agency's acknowledgement and decision (timeliness measures it
    against "within one working day")."""
    from domain.codes import AgencyOutcome
    from safeshare.validation import MAX_NAME, code, moment, required_text

    referral = s.packets.referral(referral_id)
    when = moment("at", at, s.ctx.clock())
    referral.record_acknowledgement(
        code("outcome", outcome, AgencyOutcome), when, required_text("by", by, MAX_NAME)
    )
    s.app.save(referral)
    return {"referral_id": str(referral.id), "outcome": outcome, "acknowledged_at": when}


def _uuid(value: UUID | str) -> UUID:
    """Notification originator ids come back as UUIDs or strings depending on the store."""
    return value if isinstance(value, UUID) else UUID(value)
