"""The dead-letter queue, drained: a referral whose deliver message went to `referrals.dead`
is escalated to the DSL, never left there unseen.

RabbitMQ moves a message to the dead-letter exchange after `delivery_limit` redeliveries (a
worker that dies each time it takes the message: a poison message). Redelivering it again
would only repeat that, and the reconciler would re-enqueue the still-open referral forever;
so the relay takes each dead message, escalates its referral (`dead-lettered`: the worklist
shows it and the DSL is mailed, once), and only then acknowledges the message. The referral
itself lives in the event store: `safeshare referral retry` sends it again once the DSL has
looked (a fresh message, attempt count and deadline).

A crash between the escalation and the acknowledgement leaves the message in the queue; the
next pass escalates again, which is a no-op for an escalated referral.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from celery import Celery

from workers.celery_app import ALERT, DELIVER, dead_letter_queue
from workers.config import DispatchConfig
from workers.ports import DispatchStore

DEAD_LETTERED = "dead-lettered"
log = structlog.get_logger("safeshare.dispatch")

Alert = Callable[[str, str], None]


def drain_dead_letters(
    app: Celery,
    config: DispatchConfig,
    store: DispatchStore,
    alert: Alert | None,
    limit: int = 200,
) -> int:
    """Escalate the referral of each dead-lettered deliver message (at most `limit`), then
    acknowledge the message; returns how many messages were taken. Nothing on the embedded
    broker, which has no dead-letter exchange."""
    if config.embedded:
        return 0
    taken = 0
    with app.connection_for_write() as conn:
        queue = dead_letter_queue(config).bind(conn.default_channel)
        while taken < limit:
            message = queue.get(no_ack=False, accept=["json"])
            if message is None:
                break
            task, referral_id = _task_and_referral(message.headers or {}, message.decode())
            if task == DELIVER and referral_id is not None:
                if store.escalate(referral_id, DEAD_LETTERED):
                    log.warning("dead-lettered referral escalated", referral_id=referral_id)
                    if alert is not None:
                        alert(referral_id, DEAD_LETTERED)
            else:
                # A dead alert task: its referral is already escalated and on the worklist.
                log.warning("dead-lettered message dropped", task=task, referral_id=referral_id)
            message.ack()
            taken += 1
    return taken


def _task_and_referral(headers: dict[str, Any], body: Any) -> tuple[str | None, str | None]:
    """The task name (Celery message protocol 2 header) and its first argument, the referral
    id; None where the message is not one of ours."""
    task = headers.get("task")
    args = body[0] if isinstance(body, list | tuple) and body else None
    referral_id = args[0] if isinstance(args, list | tuple) and args else None
    if task not in (DELIVER, ALERT) or not isinstance(referral_id, str):
        return (str(task) if task is not None else None), None
    return str(task), referral_id
