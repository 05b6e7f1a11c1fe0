"""Records that many calls append to at once (a token's uses, a record's access log): each call
loads the aggregate, appends its event and saves; one that meets another's write (the store
refuses a second event at the same version) waits a random few milliseconds, longer each time,
and does it again on the newer version. Nothing is lost and no caller sees the conflict."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.errors import RecordChanged

ATTEMPTS = 50
A = TypeVar("A", bound=Aggregate)


def append_retrying(app: Application[UUID], appended: Callable[[], A], doing: str) -> A:
    """`appended()` loads the aggregate afresh and appends to it; saved here, again on a
    conflict (up to `ATTEMPTS` times, then `RecordChanged`)."""
    for attempt in range(ATTEMPTS):
        aggregate = appended()
        try:
            app.save(aggregate)
        except IntegrityError:
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
            continue
        return aggregate
    raise RecordChanged(doing)
