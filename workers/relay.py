"""The relay (the event store is the outbox) and the reconciler.

The relay follows the notification log from its own tracking position and publishes
`deliver(referral_id)` for every `Referral.Prepared` and `Referral.RetryRequested`, with
publisher confirms, and only then records its position. A crash between the two publishes
again on restart (the deliver task is idempotent); it can never publish zero times.

The reconciler is the safety net for everything else (a message dead-lettered, lost with an
embedded broker's worker, or a retry that never came back): any referral still open (prepared,
dispatched, failed) and untouched for `reconcile_after` seconds (urgent: `urgent_reconcile_after`)
is enqueued again; one still open past its deadline is escalated to the DSL at once, whether or
not it ever failed (a referral stuck behind anything must not wait silently).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import structlog

from workers.config import DispatchConfig
from workers.ports import DispatchStore, Job

RELAY_NAME = "dispatch-relay"
log = structlog.get_logger("safeshare.dispatch")

Publish = Callable[[Job], None]
Alert = Callable[[str, str], None]


class Relay:
    """Publishes deliver tasks for the log's prepared and retry-requested referrals."""

    def __init__(self, store: DispatchStore, publish: Publish, batch: int = 200) -> None:
        self.store = store
        self.publish = publish
        self.batch = batch

    def run_once(self) -> int:
        """Publish the next batch; returns how many tasks were published."""
        start = self.store.tracked_position(RELAY_NAME)
        triggers = self.store.read_triggers(start, self.batch)
        for trigger in triggers:
            self.publish(trigger.job)
        if triggers:
            self.store.track(RELAY_NAME, triggers[-1].position)
            log.info("relay published deliver tasks", count=len(triggers))
        return len(triggers)

    def catch_up(self) -> int:
        total = 0
        while done := self.run_once():
            total += done
        return total


class Reconciler:
    """Re-enqueues open referrals nobody has touched for a while; escalates overdue ones."""

    def __init__(
        self,
        store: DispatchStore,
        publish: Publish,
        config: DispatchConfig,
        alert: Alert | None = None,
    ) -> None:
        self.store = store
        self.publish = publish
        self.config = config
        self.alert = alert

    def run_once(self) -> int:
        """One pass; returns how many referrals it re-enqueued or escalated."""
        now = self.store.now()
        acted = 0
        for o in self.store.open_referrals():
            rid = o.job.referral_id
            if now >= o.due_by:
                if self.store.escalate(rid, "deadline-passed"):
                    log.warning("reconciler escalated an overdue referral", referral_id=rid)
                    if self.alert is not None:
                        self.alert(rid, "deadline-passed")
                    acted += 1
                continue
            after = (
                self.config.urgent_reconcile_after if o.job.urgent else self.config.reconcile_after
            )
            if o.last_change < now - timedelta(seconds=after):
                self.publish(o.job)
                log.warning("reconciler re-enqueued a stale referral", referral_id=rid)
                acted += 1
        return acted


def follow(
    relay: Relay,
    reconciler: Reconciler | None,
    stop: threading.Event,
    poll_interval: float = 0.2,
    reconcile_interval: float = 60.0,
    dead_letters: Callable[[], int] | None = None,
) -> None:
    """Run the relay (and the reconciler, and `dead_letters` (escalating what the broker
    dead-lettered), every `reconcile_interval`) until `stop` is set.

    A failed publish (broker down) is logged and retried after a pause; the position is not
    advanced, so nothing is skipped.
    """
    next_reconcile = time.monotonic() + reconcile_interval
    while not stop.is_set():
        try:
            published = relay.run_once()
            if time.monotonic() >= next_reconcile:
                if dead_letters is not None:
                    dead_letters()
                if reconciler is not None:
                    reconciler.run_once()
                next_reconcile = time.monotonic() + reconcile_interval
        except Exception as exc:  # broker or database unavailable: keep trying
            log.warning("relay failed; retrying", error=type(exc).__name__, message=str(exc)[:300])
            stop.wait(1.0)
            continue
        if not published:
            stop.wait(poll_interval)
