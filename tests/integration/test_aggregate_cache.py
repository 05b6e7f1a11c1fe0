"""A case recorded from two places at once is read current from both.

The application keeps recently used cases in memory and no longer reads a case's events on
every command when nothing else wrote (`safeshare/adapters/synced_cache.py`). These scenarios
hold it to what a fresh read of the store says when a second process (here: a second build of
the same school, as the web server and a worker are) records on the same case, on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain.access import AccessLog
from domain.concern import Concern
from harness.schools import ago, born
from safeshare.adapters import synced_cache
from safeshare.adapters.case_records import CaseRecords
from safeshare.bootstrap import build
from safeshare.services.school import Safeshare
from tests.support import FakeClock


@pytest.fixture
def other_terminal(school: Safeshare, clock: FakeClock, backend: str) -> Iterator[Safeshare]:
    """The same school opened again: another process on the same store."""
    other = build(school.settings, clock=clock)
    try:
        yield other
    finally:
        other.close()


def _fresh(app: CaseRecords, concern_id: str) -> Concern:
    return app.get(UUID(concern_id), Concern, version=10**6)


def _concern(s: Safeshare, clock: FakeClock) -> str:
    child = str(s.children.register("Amy Example", born(clock, 9), by="DSL Ms Patel"))
    facts = "Said she was hungry at break."
    return str(s.concerns.raise_concern(child, "neglect", facts, ago(clock, hours=1), "Mr Jones"))


def test_consent_recorded_elsewhere_is_seen_by_the_next_command(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock
) -> None:
    concern_id = _concern(school, clock)
    school.concerns.record_consent(concern_id, "sought", "DSL Ms Patel", from_whom="parent")
    assert school.app.read(UUID(concern_id), Concern).version == 2

    other_terminal.concerns.record_consent(concern_id, "refused", "Deputy DSL", from_whom="parent")
    seen = school.app.read(UUID(concern_id), Concern)
    assert seen.version == 3 == _fresh(school.app, concern_id).version
    assert seen.consent.status.value == "refused"

    # and a command here builds on it instead of being refused as a stale write
    school.concerns.record_consent(concern_id, "given", "DSL Ms Patel", from_whom="parent")
    assert other_terminal.app.read(UUID(concern_id), Concern).version == 4


def test_after_much_written_elsewhere_every_case_is_read_again(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synced_cache, "CATCH_UP_LIMIT", 5)
    concern_id = _concern(school, clock)
    assert school.app.read(UUID(concern_id), Concern).version == 1
    for i in range(6):
        other_terminal.children.register(f"Pupil {i}", born(clock, 8), by="Office")
    other_terminal.concerns.record_consent(concern_id, "sought", "Deputy DSL", from_whom="parent")
    assert school.app.read(UUID(concern_id), Concern).version == 2


def test_a_store_restored_to_an_earlier_state_is_read_again(
    school: Safeshare, clock: FakeClock
) -> None:
    concern_id = _concern(school, clock)
    repository = school.app.repository
    assert school.app.read(UUID(concern_id), Concern).version == 1
    # the cache believed the store further on than it is: it starts over
    repository._synced += 1000  # type: ignore[attr-defined]
    assert school.app.read(UUID(concern_id), Concern).version == 1
    assert repository._synced == school.app.recorder.max_notification_id()  # type: ignore[attr-defined]


def test_a_page_read_checked_once_sees_the_store_as_at_its_start(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock
) -> None:
    concern_id = _concern(school, clock)
    assert school.app.read(UUID(concern_id), Concern).version == 1
    with school.app.checked_once():
        assert school.app.read(UUID(concern_id), Concern).version == 1
        other_terminal.concerns.record_consent(concern_id, "sought", "Deputy DSL", "parent")
        # the page reads the store as it stood at its first read
        assert school.app.read(UUID(concern_id), Concern).version == 1
    # the next page (or command) sees what the other wrote
    assert school.app.read(UUID(concern_id), Concern).version == 2


def test_a_save_refused_inside_a_checked_page_reads_the_store_again(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock
) -> None:
    concern_id = _concern(school, clock)
    school.views.record_view(UUID(concern_id), "DSL Ms Patel", "concern show")
    with school.app.checked_once():
        school.app.read(UUID(concern_id), Concern)
        other_terminal.views.record_view(UUID(concern_id), "Deputy DSL", "concern show")
        # this process's cached access log is one behind: its save is refused, then retried
        # on the log as the other left it, and both views are kept
        school.views.record_view(UUID(concern_id), "DSL Ms Patel", "case page")
    log_id = AccessLog.create_id(UUID(concern_id))
    assert school.app.get(log_id, AccessLog, version=10**6).views == 3
    assert [getattr(e, "action", None) for e in school.app.events.get(log_id)][1:] == [
        "concern show",
        "concern show",
        "case page",
    ]


def test_a_record_made_elsewhere_after_it_was_found_missing_is_seen(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock
) -> None:
    concern_id = UUID(_concern(school, clock))
    log_id = AccessLog.create_id(concern_id)
    assert school.app.find(log_id, AccessLog) is None
    assert school.app.find(log_id, AccessLog) is None  # remembered as missing
    other_terminal.views.record_view(concern_id, "Deputy DSL", "concern show")
    found = school.app.find(log_id, AccessLog)
    assert found is not None and found.views == 1


def test_a_record_this_process_makes_after_it_was_found_missing_is_seen(
    school: Safeshare, clock: FakeClock
) -> None:
    concern_id = UUID(_concern(school, clock))
    log_id = AccessLog.create_id(concern_id)
    assert school.app.find(log_id, AccessLog) is None
    school.views.record_view(concern_id, "DSL Ms Patel", "concern show")
    found = school.app.find(log_id, AccessLog)
    assert found is not None and found.views == 1


def test_what_was_missing_is_looked_for_again_after_a_restore(
    school: Safeshare, clock: FakeClock
) -> None:
    concern_id = UUID(_concern(school, clock))
    log_id = AccessLog.create_id(concern_id)
    assert school.app.find(log_id, AccessLog) is None
    repository = school.app.repository
    repository._synced += 1000  # type: ignore[attr-defined]  # as after a restore
    school.app.read(concern_id, Concern)
    assert log_id not in repository._absent  # type: ignore[attr-defined]


def _highest_id_reads(app: CaseRecords, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the application asks its store for the highest notification id."""
    asked: list[int] = []
    recorder = app.recorder
    read = recorder.max_notification_id

    def counting() -> int | None:
        asked.append(1)
        return read()

    monkeypatch.setattr(recorder, "max_notification_id", counting)
    return asked


def test_a_decision_asks_the_store_once_and_builds_on_what_was_written_elsewhere(
    school: Safeshare,
    other_terminal: Safeshare,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    concern_id = _concern(school, clock)
    school.concerns.record_consent(concern_id, "refused", "DSL Ms Patel", from_whom="parent")
    other_terminal.concerns.record_lawful_basis(
        concern_id, "public-task", "Risk of significant harm", "Deputy DSL", article9="safeguarding"
    )
    asked = _highest_id_reads(school.app, monkeypatch)
    # the decision reads the concern, the directory, the child, the directory again
    result = school.concerns.decide(
        concern_id, True, "Pattern of neglect", "DSL Ms Patel", purpose="Early help", to=["mash"]
    )
    assert len(asked) == 1
    assert result.decided_at_step == "lawful-basis"  # the basis recorded elsewhere was seen
    assert _fresh(other_terminal.app, concern_id).version == 4


def test_the_sqlite_store_head_follows_every_writer(
    school: Safeshare, other_terminal: Safeshare, clock: FakeClock, backend: str
) -> None:
    """The head is read on a connection that never writes (`sqlite_head.py`): this process's
    saves and another process's are both commits by another connection to it."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL reads the head through the library's pool")
    recorder = school.app.recorder
    assert isinstance(recorder, SQLiteApplicationRecorder)

    def agree() -> int:
        head = recorder.max_notification_id()
        assert head == SQLiteApplicationRecorder.max_notification_id(recorder)  # the library's
        return head

    before = agree()
    assert agree() == before  # nothing committed: the same answer
    concern_id = _concern(school, clock)  # this process writes
    after_own = agree()
    assert after_own > before
    other_terminal.concerns.record_consent(concern_id, "sought", "Deputy DSL", "parent")
    assert agree() > after_own  # another process writes
    assert school.app.read(UUID(concern_id), Concern).version == 2
