"""The roll search's index, built ahead of the first search and in batches.

A member of staff raising a concern searches the roll by a few letters of a name. The index is
held in memory only, so it is built when the school is opened: the web starts building it in
the background as it opens the school's pages, reading the roll in batches (one query for a
batch's events, one for its keys). A search never answers from a half-built index, and what
happens to the roll meanwhile (an erasure, a new pupil) is in its answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain.child import Child
from safeshare.adapters.case_index import CHILDREN
from safeshare.adapters.sealing import ERASED
from safeshare.services import child_search
from safeshare.services.child_search import ChildMatch, ChildSearch
from safeshare.services.school import Safeshare
from tests.support import born


def register(s: Safeshare, name: str, years: int, upn: str | None = None) -> UUID:
    return s.children.register(name, born(s.ctx.clock, years), "Office", upn=upn)


def found(search: ChildSearch, query: str) -> list[str]:
    return [m.name for m in search.search(query)]


def on_reading_the_roll(s: Safeshare, first: Callable[[], object]) -> None:
    """`first` runs once, as the index's build reads its first batch of the roll (after it
    has taken the log's head)."""
    index: Any = s.app.index
    real = index.events_of
    done = threading.Event()

    def reading(ids: Any) -> Any:
        if not done.is_set():
            done.set()
            first()
        return real(ids)

    index.events_of = reading


def test_the_index_is_ready_before_the_first_search_and_keeps_up_with_the_roll(
    school: Safeshare,
) -> None:
    ida = register(school, "Ida Moss", 10)
    register(school, "Ian Mossley", 11)
    search = ChildSearch(school.ctx)
    search.warm_up().join()
    school.children.erase(str(ida), "retention-ended", "DSL")
    register(school, "Isla Mossop", 9)
    assert found(search, "moss") == ["Ian Mossley", "Isla Mossop"]


def test_a_child_erased_while_the_index_is_built_is_not_found(school: Safeshare) -> None:
    ida = register(school, "Ida Moss", 10)
    register(school, "Ian Mossley", 11)
    on_reading_the_roll(school, lambda: school.children.erase(str(ida), "retention-ended", "DSL"))
    search = ChildSearch(school.ctx)
    search.warm_up()
    assert found(search, "moss") == ["Ian Mossley"]  # waits for the build, then catches up


def test_a_pupil_registered_while_the_index_is_built_is_found(school: Safeshare) -> None:
    register(school, "Ida Moss", 10)
    on_reading_the_roll(school, lambda: register(school, "Isla Mossop", 9, upn="A123456789012"))
    search = ChildSearch(school.ctx)
    search.warm_up()
    assert found(search, "moss") == ["Ida Moss", "Isla Mossop"]
    assert found(search, "A123456789012") == ["Isla Mossop"]


def test_a_build_that_fails_part_way_is_done_again_by_the_first_search(
    school: Safeshare, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_search, "BATCH", 1)
    ida = register(school, "Ida Moss", 10)
    register(school, "Ian Mossley", 11)
    index: Any = school.app.index
    real = index.events_of
    calls: list[int] = []

    def second_batch_fails(ids: Any) -> Any:
        calls.append(len(ids))
        if len(calls) == 2:
            raise ConnectionError("the school was closed under the build")
        return real(ids)

    index.events_of = second_batch_fails
    search = ChildSearch(school.ctx)
    search.warm_up().join()
    school.children.erase(str(ida), "retention-ended", "DSL")
    assert found(search, "moss") == ["Ian Mossley"]


def test_the_index_read_in_batches_holds_what_reading_each_child_held(
    school: Safeshare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several batches, a child with more events than its registration, one without a UPN
    and one whose key is gone (its record not yet marked erased)."""
    monkeypatch.setattr(child_search, "BATCH", 2)
    ids = [register(school, f"Pupil {n} Moss", 10, upn=f"A12345678901{n}") for n in range(4)]
    register(school, "Ida Moss", 11)
    school.children.record_person(str(ids[0]), "mother", "Pat Moss", "Office")
    keyless = register(school, "Kit Moss", 9)
    school.ctx.sealer.destroy_child_key(keyless)
    search = ChildSearch(school.ctx)
    search.catch_up()
    one_by_one = ChildSearch(school.ctx)
    for child_id in school.app.index.records_keyed(CHILDREN):
        one_by_one._apply(child_id, Child.Registered.TOPIC)
    assert search.known() and sorted(search.known(), key=_id) == sorted(
        one_by_one._entries.values(), key=_id
    )
    assert search.get(keyless) == ChildMatch(keyless, ERASED, ERASED, None)


def _id(m: ChildMatch) -> str:
    return m.child_id.hex
