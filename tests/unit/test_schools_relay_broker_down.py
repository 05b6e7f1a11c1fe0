"""The relay of a deployment of many schools, while the broker is down: nothing is skipped,
and the schools' stores stay open, so that once the broker is back the referrals waiting (the
urgent ones first among them) are published at once rather than after every school's store
has been opened again (seconds each)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from workers.ports import DispatchStore, Job, Trigger
from workers.schools import SchoolsRelay, SchoolStores


class FakeStore:
    def __init__(self, school: str, jobs: list[Job]) -> None:
        self.school = school
        self.jobs = jobs
        self.position = 0

    def tracked_position(self, name: str) -> int:
        return self.position

    def read_triggers(self, after: int, limit: int) -> Sequence[Trigger]:
        return [Trigger(i + 1, j) for i, j in enumerate(self.jobs) if i + 1 > after][:limit]

    def track(self, name: str, position: int) -> None:
        self.position = position

    def close(self) -> None:
        pass


class Broker:
    def __init__(self) -> None:
        self.up = False
        self.published: list[tuple[str, str]] = []

    def publish(self, school: str, job: Job) -> None:
        if not self.up:
            raise ConnectionRefusedError("broker down")
        self.published.append((school, job.referral_id))


def test_a_broker_outage_neither_skips_a_referral_nor_reopens_the_schools_stores() -> None:
    jobs = {"alpha": [Job("a1", True)], "beta": [Job("b1", False), Job("b2", True)]}
    opened: list[str] = []

    def open_store(school: str) -> DispatchStore:
        opened.append(school)
        return cast(DispatchStore, FakeStore(school, jobs[school]))

    broker = Broker()
    relay = SchoolsRelay(lambda: ["alpha", "beta"], SchoolStores(open_store), broker.publish)
    for _ in range(3):
        assert relay.run_once() == 0
    broker.up = True
    assert relay.run_once() == 3
    assert broker.published == [("alpha", "a1"), ("beta", "b1"), ("beta", "b2")]
    assert relay.run_once() == 0  # nothing published twice
    assert opened == ["alpha", "beta"]
