"""Logs that many calls append to at once (a token's uses, a record's access log).

A log's events are the record and nobody needs its state, so an append does not load it: it
reads only the version of the log's newest event, and costs the same on the millionth use as on
the first. One that meets another's write (the store refuses a second event at the same
version) waits a random few milliseconds, longer each time, and appends again after it. Nothing
is lost and no caller sees the conflict.

Within one process, the threads appending to one log take turns (a lock per log, striped): the
web serves up to 40 requests at once, and twenty people's reads of one case each meeting the
other nineteen's writes, round after round, could exhaust the retries (the `web-case-page`
benchmark's 20 clients on one case did). Only other processes' appends can then conflict."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError

from domain.errors import RecordChanged
from safeshare.adapters.case_records import CaseRecords

ATTEMPTS = 50
_TURNS = tuple(threading.Lock() for _ in range(256))
"""Locks by log id (striped: a fixed number, whatever the number of logs)."""


def append_to_log(
    app: CaseRecords,
    log_id: UUID,
    opened: Callable[[], Aggregate],
    next_event: Callable[[int], DomainEventProtocol[UUID]],
    doing: str,
) -> None:
    """Append `next_event(version)` at the version after the log's newest event, or save
    `opened()` (the log made, with its first entry) when the log has none yet; again on a
    conflict (up to `ATTEMPTS` times, then `RecordChanged`)."""
    turn = _TURNS[log_id.int % len(_TURNS)]
    for attempt in range(ATTEMPTS):
        with turn:
            last = app.last_version(log_id)
            try:
                if last is None:
                    app.save(opened())
                else:
                    app.save(next_event(last + 1))
            except IntegrityError:
                pass
            else:
                return
        time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise RecordChanged(doing)
