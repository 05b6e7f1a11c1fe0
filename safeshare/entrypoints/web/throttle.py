"""Sign-in throttled per address: too many wrong passwords from one address in a minute and
that address is refused for the rest of the minute (the per-account lockout is recorded on
the account itself)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from safeshare.services.context import Clock

WINDOW = timedelta(minutes=1)


class AddressThrottle:
    def __init__(self, clock: Clock, limit: int) -> None:
        self.clock = clock
        self.limit = limit
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str) -> list[datetime]:
        now = self.clock()
        recent = [t for t in self._failures.get(address, []) if now - t < WINDOW]
        self._failures[address] = recent
        return recent

    def refused(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) >= self.limit

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self.clock())
