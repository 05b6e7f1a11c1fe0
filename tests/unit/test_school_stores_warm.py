"""A worker process of a deployment of many schools opens the active schools' stores as it
starts, so that a school's first (urgent) task does not wait seconds for its store to open."""

from __future__ import annotations

from typing import cast

from workers.ports import DispatchStore
from workers.schools import SchoolStores


class FakeStore:
    def __init__(self, school: str) -> None:
        self.school = school
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Opener:
    def __init__(self, broken: set[str] | None = None) -> None:
        self.opened: list[str] = []
        self.broken = broken or set()

    def __call__(self, school: str) -> DispatchStore:
        if school in self.broken:
            raise ConnectionError("database unavailable")
        self.opened.append(school)
        return cast(DispatchStore, FakeStore(school))


def test_a_started_worker_has_its_schools_stores_open_before_the_first_task() -> None:
    opener = Opener()
    stores = SchoolStores(opener, capacity=4)
    assert stores.warm(["alpha", "beta", "gamma"]) == ["alpha", "beta", "gamma"]
    stores.get("beta")  # the first task for beta
    stores.get("alpha")
    assert opener.opened == ["alpha", "beta", "gamma"]  # nothing opened again


def test_no_more_are_opened_than_a_process_keeps() -> None:
    opener = Opener()
    stores = SchoolStores(opener, capacity=2)
    assert stores.warm(["alpha", "beta", "gamma"]) == ["alpha", "beta"]
    assert opener.opened == ["alpha", "beta"]


def test_a_school_whose_store_cannot_open_does_not_stop_the_others() -> None:
    opener = Opener(broken={"alpha"})
    stores = SchoolStores(opener, capacity=4)
    assert stores.warm(["alpha", "beta"]) == ["beta"]
    opener.broken.clear()
    stores.get("alpha")  # its first task opens it
    assert opener.opened == ["beta", "alpha"]
