"""One school's referrals as the workers see them (`workers.ports.DispatchStore`).

The composition root (`safeshare/bootstrap.py`, `wiring()`) hands this store to the relay and
the Celery workers, so `workers/` never imports safeshare. Everything handed across is ids,
codes and sealed bytes.

Consent withdrawn before delivery: the domain decides (`Concern.withdrawal_withholds`). A
referral that rested on the consent withdrawn, with no lawful basis without consent recorded,
is **withheld, not sent** (a recorded `Withheld` event, urgent or not); the DSL decides again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from domain.concern import Concern
from domain.errors import PolicyRefusal, SafeshareError
from domain.referral import Referral, ReferralStatus
from projections.runner import TRACKING_DDL
from safeshare.adapters.channels import CHANNELS, make_channel
from safeshare.adapters.metrics import DELIVERY_SECONDS, ESCALATIONS, reason_code, urgency
from safeshare.services.alerts import PORTAL_UPLOAD, escalation_alert
from safeshare.services.school import Safeshare
from sharing.channels import Channel, Envelope, HttpsChannel, SmtpChannel
from sharing.errors import SharingError
from sharing.sender import signing_certificate_names
from workers.ports import Attempt, Job, OpenReferral, Skip, Trigger

log = structlog.get_logger("safeshare.dispatch")
TRIGGER_TOPICS = (Referral.Prepared.TOPIC, Referral.RetryRequested.TOPIC)
OPEN = (ReferralStatus.PREPARED, ReferralStatus.DISPATCHED, ReferralStatus.FAILED)
_SAVE_TRIES = 5


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
        """Referrals neither delivered nor escalated, from the case index (kept in the same
        transaction as the events): a tick costs the open referrals, not the history."""
        found = []
        for row in self.s.app.index.referral_rows([status.value for status in OPEN]):
            started = row.started_at or row.updated_at
            found.append(
                OpenReferral(
                    Job(str(row.referral_id), row.urgent),
                    row.updated_at,
                    started + self._deadline(row.urgent),
                )
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
        return self._started(referral) + self._deadline(referral.urgent)

    def _started(self, referral: Referral) -> datetime:
        """When the referral was prepared, or the DSL last asked for a retry."""
        started = referral.created_on
        for e in self.s.app.repository.event_store.get(referral.id):
            if isinstance(e, Referral.Prepared | Referral.RetryRequested):
                started = e.timestamp
        return started

    def _deadline(self, urgent: bool) -> timedelta:
        settings = self.s.settings
        seconds = settings.urgent_deadline_seconds if urgent else settings.routine_deadline_seconds
        return timedelta(seconds=seconds)

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
            if self.s.packets.portal_of(r) is not None:
                return Skip(referral_id, PORTAL_UPLOAD, escalate=True)
            try:
                ready = self.s.packets.seal(r)
            except (SafeshareError, SharingError) as exc:
                return Skip(referral_id, f"packet-failed:{type(exc).__name__}", escalate=True)
            agency = ready.agency
            channel = str(agency["channel"])
            if channel not in CHANNELS:
                return Skip(referral_id, "unknown-channel", escalate=True)
            try:
                envelope = Envelope.of(
                    packet_id=ready.packet_id,
                    referral_id=str(r.id),
                    school=self.s.settings.school_name,
                    urgent=r.urgent,
                    address=str(agency["address"]),
                    sealed=ready.sealed.for_channel(channel),
                    packet_sha256=ready.sealed.sha256,
                )
            except ValueError:
                return Skip(referral_id, "bad-agency-address", escalate=True)
            attempt = r.attempts + 1
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
        delivered = self._change(referral_id, lambda r: r.record_delivered(receipt))
        referral = self._referral(referral_id) if delivered else None
        if referral is not None:
            took = (self.now() - self._started(referral)).total_seconds()
            DELIVERY_SECONDS.labels(urgency(referral.urgent)).observe(max(took, 0.0))

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
            urgent.append(r.urgent)
            return True

        urgent: list[bool] = []
        escalated = self._change(referral_id, change)
        if escalated:
            ESCALATIONS.labels(urgency(urgent[-1]), reason_code(reason)).inc()
        return escalated

    def channel(self, kind: str) -> Channel:
        found = self._channels.get(kind)
        if found is None:
            if kind == "smtp":
                self._check_signer_names_sender()
            found = make_channel(kind, self.s.settings)
            self._channels[kind] = found
        return found

    def _check_signer_names_sender(self) -> None:
        """Mail clients mark a signature valid only when the signing certificate names the
        sender; an identity made before the From address changed does not."""
        if not signing_certificate_names(self.s.packets.school, self.s.settings.smtp_sender):
            log.warning(
                "the school's signing certificate does not name SAFESHARE_SMTP_SENDER: "
                "agencies' mail clients will not mark referral signatures valid "
                "(docs/agency.md); issue a new signing identity for that address"
            )

    def send_alert(self, referral_id: str, reason: str) -> None:
        """Mail the DSL through the referrals' SMTP channel: ids and a reason code only (the
        worklist has the rest)."""
        st = self.s.settings
        if not st.dsl_email:
            log.warning(
                "referral escalated; no SAFESHARE_DSL_EMAIL to alert", referral_id=referral_id
            )
            return
        channel = self.channel("smtp")
        assert isinstance(channel, SmtpChannel)
        portal = None
        if reason == PORTAL_UPLOAD:
            referral = self._referral(referral_id)
            if referral is not None:
                portal = self.s.packets.portal_of(referral)
        channel.send_notice(
            st.dsl_email,
            escalation_alert(st.smtp_sender, st.dsl_email, referral_id, reason, portal=portal),
        )

    def close(self) -> None:
        for channel in self._channels.values():
            if isinstance(channel, (HttpsChannel, SmtpChannel)):
                channel.close()
        self._channels.clear()
        if self._own:
            self.s.close()


def _uuid(value: UUID | str) -> UUID:
    """Notification originator ids come back as UUIDs or strings depending on the store."""
    return value if isinstance(value, UUID) else UUID(value)
