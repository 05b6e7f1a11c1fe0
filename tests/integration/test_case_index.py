"""The case index answers what the whole-log scans answered, and is written with the events.

Erasure, chronologies, `referral list` and the reconciler no longer read the whole log; these
scenarios hold the index to the old scan's answers over a generated school history, on SQLite
and on PostgreSQL, and show that a save the store refuses leaves no index row behind.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.concern import Concern
from domain.referral import Referral, ReferralStatus
from harness.history import generate
from safeshare.adapters.case_index import INDEX_VERSION
from safeshare.services.dispatch_store import OPEN, SafeshareDispatchStore
from safeshare.services.referrals import list_referrals
from safeshare.services.school import Safeshare
from tests.support import FakeClock


def _scan_concern_ids(s: Safeshare, child_id: UUID) -> list[UUID]:
    """What `ChildService.concern_ids` used to do: every concern raised, from position 0."""
    found = []
    for n in s.app.recorder.select_notifications(
        start=None, limit=10**9, topics=[Concern.Raised.TOPIC]
    ):
        event: Any = s.app.mapper.to_domain_event(n)
        if event.child_id == child_id:
            found.append(event.originator_id)
    return found


def _scan_referrals(s: Safeshare) -> list[Referral]:
    """Every referral ever prepared, each aggregate loaded (the old `referral list`)."""
    return [
        s.app.get(UUID(str(n.originator_id)), Referral)
        for n in s.app.recorder.select_notifications(
            start=None, limit=10**9, topics=[Referral.Prepared.TOPIC]
        )
    ]


def _children(s: Safeshare) -> list[UUID]:
    seen: dict[UUID, None] = {}
    for n in s.app.recorder.select_notifications(
        start=None, limit=10**9, topics=[Concern.Raised.TOPIC]
    ):
        seen[s.app.mapper.to_domain_event(n).child_id] = None  # type: ignore[attr-defined]
    return list(seen)


def _history(s: Safeshare) -> None:
    generate(s.app, 3_000, seed=16, per_save=50)


def test_a_childs_concerns_from_the_index_are_the_scans_concerns(school: Safeshare) -> None:
    _history(school)
    children = _children(school)
    assert len(children) > 20
    with_several = 0
    for child in children:
        from_index = school.children.concern_ids(child)
        assert from_index == _scan_concern_ids(school, child)
        with_several += len(from_index) > 1
    assert with_several > 5
    assert school.children.concern_ids(uuid4()) == []


def test_referral_list_from_the_index_is_the_scans_list(school: Safeshare) -> None:
    _history(school)
    scanned = _scan_referrals(school)
    listed = list_referrals(school)
    assert len(listed) == len(scanned) > 50
    by_id = {row["referral_id"]: row for row in listed}
    for r in scanned:
        row = by_id[str(r.id)]
        assert row["status"] == r.status.value
        assert row["urgent"] == r.urgent
        assert row["attempts"] == r.attempts
        assert row["last_error"] == r.last_error
        assert row["escalation_reason"] == r.escalation_reason
        assert row["receipt"] == r.receipt
        assert row["concern_id"] == str(r.concern_id)
        assert row["agency_id"] == r.agency_id
    escalated = list_referrals(school, "escalated")
    assert {row["referral_id"] for row in escalated} == {
        str(r.id) for r in scanned if r.status is ReferralStatus.ESCALATED
    }
    assert escalated, "the history should hold escalated referrals"
    assert [row["status"] for row in listed[: len(escalated)]] == ["escalated"] * len(escalated)


def test_the_reconcilers_open_referrals_are_the_scans_open_referrals(school: Safeshare) -> None:
    _history(school)
    store = SafeshareDispatchStore(school)
    try:
        expected = {
            str(r.id): (r.urgent, r.modified_on, store.due_by(str(r.id)))
            for r in _scan_referrals(school)
            if r.status in OPEN
        }
        found = {
            o.job.referral_id: (o.job.urgent, o.last_change, o.due_by)
            for o in store.open_referrals()
        }
    finally:
        store.close()
    assert len(expected) > 5
    assert found == expected


def test_a_retry_restarts_the_deadline_the_reconciler_sees(
    school: Safeshare, clock: FakeClock
) -> None:
    _history(school)
    escalated = next(r for r in _scan_referrals(school) if r.status is ReferralStatus.ESCALATED)
    clock.advance(days=3)
    referral = school.app.get(escalated.id, Referral)
    referral.request_retry("DSL Ms Patel")
    school.app.save(referral)
    store = SafeshareDispatchStore(school)
    try:
        (reopened,) = [o for o in store.open_referrals() if o.job.referral_id == str(referral.id)]
        assert reopened.due_by == store.due_by(str(referral.id))
        deadline = school.settings.routine_deadline_seconds
        if referral.urgent:
            deadline = school.settings.urgent_deadline_seconds
        assert reopened.due_by == clock() + timedelta(seconds=deadline)
    finally:
        store.close()


def test_a_refused_save_leaves_no_index_row(school: Safeshare) -> None:
    """The index is written in the events' transaction: when the store refuses the events
    (another writer got there first), the index keeps nothing of them."""
    _history(school)
    child_a, child_b = _children(school)[:2]
    concern_id = school.children.concern_ids(child_a)[0]
    duplicate = copy.deepcopy(school.app.get(concern_id, Concern))
    impostor = Concern(
        id=concern_id,
        child_id=child_b,
        category="other",
        facts=duplicate.facts,
        opinion=None,
        observed_at=duplicate.observed_at,
        immediate_risk=False,
        crime_suspected=False,
        raised_by="Mr Jones",
    )
    before_b = school.children.concern_ids(child_b)
    with pytest.raises(IntegrityError):
        school.app.save(impostor)
    assert school.children.concern_ids(child_b) == before_b

    escalated = next(r for r in _scan_referrals(school) if r.status is ReferralStatus.ESCALATED)
    first = school.app.get(escalated.id, Referral)
    second = school.app.get(escalated.id, Referral)
    first.request_retry("DSL Ms Patel")
    school.app.save(first)
    second.request_retry("Deputy DSL")
    second.record_dispatched(9, "smtp", "packet", "0" * 64)
    with pytest.raises(IntegrityError):
        school.app.save(second)
    (row,) = [r for r in school.app.index.referral_rows() if r.referral_id == escalated.id]
    assert row.status == ReferralStatus.PREPARED.value
    assert row.attempts == first.attempts
    assert row.version == first.version


def test_a_store_made_before_the_index_is_indexed_when_first_opened(school: Safeshare) -> None:
    """Rebuilding reads the whole log once (that is its job) and gives the same index."""
    _history(school)
    children = _children(school)
    concerns = {child: school.children.concern_ids(child) for child in children}
    referrals = school.app.index.referral_rows()
    assert school.app.index.case_index_version() == INDEX_VERSION
    recorder: Any = school.app.recorder
    with recorder.datastore.transaction(commit=True) as c:
        for table in ("concern_children", "referral_states", "case_index_state"):
            if hasattr(recorder.datastore, "schema"):
                c.execute(f"DELETE FROM {recorder.datastore.schema}.{table}")
            else:
                c.execute(f"DELETE FROM {table}")
    assert school.app.index.case_index_version() is None
    assert school.children.concern_ids(children[0]) == []
    school.app.rebuild_case_index()
    assert school.app.index.case_index_version() == INDEX_VERSION
    assert {child: school.children.concern_ids(child) for child in children} == concerns
    assert school.app.index.referral_rows() == referrals


def test_the_worklist_reads_only_what_can_be_on_it_and_lists_the_same_items(
    school: Safeshare,
) -> None:
    """A closed concern and a delivered referral cannot put an item on the worklist: the DSL's
    list is read from the pending rows alone, and says exactly what reading everything said."""
    from projections.workdays import local_day
    from projections.worklist import Worklist, work_items
    from safeshare.services import projections as ps

    _history(school)
    r = ps.runner(school, "worklist")
    r.catch_up()
    assert isinstance(r.projection, Worklist)
    now = school.ctx.clock()
    with r.db.transaction() as tx:
        everything = r.projection.states(tx)
        pending = r.projection.states(tx, local_day(now))
    cal, std = ps.calendar(school.settings), ps.standards(school.settings)
    expected = [i.as_dict() for i in work_items(everything, now, cal, std)]
    assert len(expected) > 10
    assert school.views.worklist() == expected
    assert len(pending) < len(everything) / 2


def test_a_worklist_made_before_it_kept_pending_rows_is_filled_in_when_opened(
    school: Safeshare,
) -> None:
    from safeshare.services import projections as ps

    _history(school)
    before = school.views.worklist()
    r = ps.runner(school, "worklist")
    with r.db.transaction() as tx:
        for index in ("worklist_records_pending", "worklist_records_review"):
            tx.execute(f"DROP INDEX {index}")
        for column in ("pending", "review_due"):
            tx.execute(f"ALTER TABLE worklist_records DROP COLUMN {column}")
    with r.db.transaction() as tx:
        r.projection.create(tx)
    assert school.views.worklist() == before


def test_a_rebuild_whose_id_maps_outgrow_memory_builds_the_same_read_models(
    school: Safeshare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild's memory must not grow with the history: the id maps it keeps in memory are
    emptied past a limit and read back from their tables, with the same result."""
    import projections.batch
    from projections.runner import Runner
    from safeshare.services import projections as ps
    from tests.projection_support import dump

    _history(school)
    source, db = school.event_source(), school.projection_db()
    for r in [
        Runner(p, source, db, batch=97)
        for p in ps.school_projections(ps.staff_names(school)).values()
    ]:
        r.catch_up()
    incremental = dump(db)
    monkeypatch.setattr(projections.batch, "CACHE_LIMIT", 25)
    ps.rebuild(school)
    assert dump(db) == incremental
