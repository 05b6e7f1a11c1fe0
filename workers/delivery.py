"""One delivery attempt, decided from the referral's state and the channel's answer.

Kept apart from Celery so the policy (idempotence, retry or escalate) is plain code: the
task only turns `Retry` into a delayed re-publish.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from sharing.channels import DeliveryError, PermanentDeliveryError
from workers.config import DispatchConfig
from workers.ports import Attempt, DispatchStore, Skip

log = structlog.get_logger("safeshare.dispatch")


@dataclass(frozen=True)
class Done:
    """Nothing more to do for this message: `status` is delivered, skipped or escalated."""

    status: str


@dataclass(frozen=True)
class Retry:
    countdown: float
    attempt: int


@dataclass(frozen=True)
class Escalated:
    reason: str
    new: bool
    """True when this attempt escalated it (so the DSL gets one alert, not one per message)."""


Outcome = Done | Retry | Escalated


def deliver_once(store: DispatchStore, config: DispatchConfig, referral_id: str) -> Outcome:
    """Send the referral once, if it still needs sending, and record what happened.

    Idempotent: a delivered or escalated referral is left alone, so a redelivered or
    duplicated message costs one read. A referral whose previous attempt was cut short (a
    worker killed mid-send) is sent again with the same packet id, which the agency dedupes.
    """
    begun = store.begin_attempt(referral_id)
    if isinstance(begun, Skip):
        if begun.escalate:
            return _escalate(store, referral_id, begun.reason)
        log.info("nothing to send", referral_id=referral_id, reason=begun.reason)
        return Done(begun.reason)
    attempt: Attempt = begun
    log.info(
        "attempt",
        referral_id=referral_id,
        attempt=attempt.attempt,
        channel=attempt.channel,
        urgent=attempt.urgent,
    )
    try:
        delivered = store.channel(attempt.channel).send(attempt.envelope)
    except DeliveryError as exc:
        permanent = isinstance(exc, PermanentDeliveryError)
        store.record_failed(referral_id, attempt.attempt, exc.error_class, permanent)
        log.warning(
            "attempt failed",
            referral_id=referral_id,
            attempt=attempt.attempt,
            error=exc.error_class,
            permanent=permanent,
        )
        if permanent:
            return _escalate(store, referral_id, f"permanent-failure:{exc.error_class}")
        if attempt.attempt >= config.max_attempts:
            return _escalate(store, referral_id, "attempts-exhausted")
        if store.now() >= store.due_by(referral_id):
            return _escalate(store, referral_id, "deadline-passed")
        return Retry(config.backoff(attempt.attempt, attempt.urgent), attempt.attempt)
    store.record_delivered(referral_id, delivered.receipt)
    log.info("delivered", referral_id=referral_id, attempt=attempt.attempt)
    return Done("delivered")


def _escalate(store: DispatchStore, referral_id: str, reason: str) -> Escalated:
    new = store.escalate(referral_id, reason)
    if new:
        log.warning("escalated to the DSL", referral_id=referral_id, reason=reason)
    return Escalated(reason, new)
