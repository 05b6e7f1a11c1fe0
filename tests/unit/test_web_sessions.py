"""Web sessions end when idle or too old, and ended ones are forgotten, not hoarded."""

from __future__ import annotations

from datetime import timedelta

from safeshare.entrypoints.web.sessions import SWEEP_EVERY, SessionStore
from tests.support import FakeClock


def test_sessions_nobody_came_back_to_are_forgotten() -> None:
    clock = FakeClock()
    store = SessionStore(clock, idle=timedelta(minutes=30), absolute=timedelta(hours=10))
    for _ in range(SWEEP_EVERY - 1):
        store.new()
    clock.advance(minutes=31)
    kept = store.new()  # the sweep runs before this one is added
    assert len(store) == 1
    assert store.get(kept.sid) is kept


def test_a_session_used_within_the_idle_time_lives_until_its_absolute_end() -> None:
    clock = FakeClock()
    store = SessionStore(clock, idle=timedelta(minutes=30), absolute=timedelta(hours=1))
    s = store.new()
    clock.advance(minutes=29)
    assert store.get(s.sid) is s
    clock.advance(minutes=29)
    assert store.get(s.sid) is s
    clock.advance(minutes=3)
    assert store.get(s.sid) is None
