"""What people and workers do often costs what their own case costs, not the whole history.

Issue 16, part 1: a staff member's "my concerns", a case's actions and attachments, a person's
action list, the worklist's overdue actions, the accounts list, the DSLs an alert goes to, the
urgent alerts still awaiting acknowledgement, a person's API tokens, the retention sweep and the
files due for review are all answered by the case index kept with the events. Each scenario
builds a history, watches every read of the notification log, and shows the path reads none of
it, and that its answer is the whole-log scan's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

import pytest

from domain.action import Action
from domain.alert import DslAlert
from domain.child import Child
from domain.concern import Concern
from domain.user import Role, User
from harness.history import generate
from safeshare.adapters.case_index import ALERTS_AWAITING, INDEX_VERSION, RAISED_BY, USERS
from safeshare.services.accounts import Account
from safeshare.services.actions import ActionService
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.attachments import AttachmentService
from safeshare.services.case_pages import CasePages
from safeshare.services.dsl_alerts import AlertService
from safeshare.services.raising import RaisingDetails
from safeshare.services.restrictions import Restrictions
from safeshare.services.school import Safeshare
from sharing.channels.base import Delivered
from tests.support import FakeClock, ago, born

T = TypeVar("T")
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 64


@contextmanager
def log_reads(s: Safeshare) -> Iterator[list[Any]]:
    """Every `select_notifications` call's start while the block runs."""
    recorder: Any = s.app.recorder
    real = recorder.select_notifications
    starts: list[Any] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        starts.append(kwargs.get("start", args[0] if args else None))
        return real(*args, **kwargs)

    recorder.select_notifications = watched
    try:
        yield starts
    finally:
        del recorder.select_notifications


def without_log_reads(s: Safeshare, path: Callable[[], T]) -> T:
    with log_reads(s) as starts:
        answer = path()
    assert starts == [], f"read the notification log from {starts}"
    return answer


def scan(s: Safeshare, topic: str) -> list[Any]:
    """The old way: every event of a topic, from position 0."""
    return [
        s.app.mapper.to_domain_event(n)
        for n in s.app.recorder.select_notifications(start=None, limit=10**9, topics=[topic])
    ]


class Staffroom:
    """A school with a long history and the people and records the paths list."""

    def __init__(self, s: Safeshare) -> None:
        generate(s.app, 2_000, seed=11, per_save=50)
        self.s = s
        self.dsl = self._account("Ms Dee Patel", "dee@school.test", "dsl")
        self.staff = self._account("Mr Sam Jones", "sam@school.test", "staff")
        self.other = self._account("Ms Ola Green", "ola@school.test", "staff")
        self.child = s.children.register("Ida Moss", born(s.ctx.clock, 10), "Office")
        self.concerns = [self._raise(by) for by in (self.staff, self.staff, self.other)]
        actions = ActionService(s.ctx)
        due = s.ctx.clock().date().isoformat()
        self.actions = [
            actions.assign(str(c), str(who.user_id), "Call home", due, "DSL")
            for c, who in zip(self.concerns, (self.staff, self.other, self.staff), strict=True)
        ]
        actions.complete(str(self.actions[2]), self.staff.user_id, "Mr Sam Jones")
        attachments = AttachmentService(s.ctx)
        first = s.app.get(self.concerns[0], Concern)
        self.attachments = [attachments.add(first, f"p{i}.png", PNG, "Sam") for i in (1, 2)]
        attachments.add(s.app.get(self.concerns[1], Concern), "other.png", PNG, "Ola")

    def _account(self, name: str, email: str, role: str) -> Account:
        user_id = self.s.accounts.add(name, email, role, "a long enough password", "set-up")
        account = self.s.accounts.get(user_id)
        assert account is not None
        return account

    def _raise(self, by: Account) -> UUID:
        details = RaisingDetails(raised_by_account=str(by.user_id))
        return self.s.concerns.raise_with_details(
            str(self.child), "neglect", "Hungry.", ago(self.s.ctx.clock, hours=1), by.actor, details
        )


@pytest.fixture
def room(school: Safeshare) -> Staffroom:
    return Staffroom(school)


def test_my_concerns_come_from_the_index_not_the_log(room: Staffroom) -> None:
    s = room.s
    pages = CasePages(s.ctx, s.views, ActionService(s.ctx), AttachmentService(s.ctx))
    rows = without_log_reads(room.s, lambda: pages.raised_by(room.staff))
    assert [r.concern_id for r in rows] == [str(c) for c in room.concerns[:2]]
    scanned = [
        e.originator_id
        for e in scan(room.s, Concern.DetailsRecorded.TOPIC)
        if e.raised_by_account == str(room.staff.user_id)
    ]
    assert scanned == room.concerns[:2]


def test_a_cases_actions_and_a_persons_list_come_from_the_index(room: Staffroom) -> None:
    actions = ActionService(room.s.ctx)
    on_case = without_log_reads(room.s, lambda: actions.rows(concern_id=room.concerns[0]))
    assert [r.action_id for r in on_case] == [str(room.actions[0])]
    mine = without_log_reads(room.s, lambda: actions.rows(assignee_id=room.staff.user_id))
    assert sorted(r.action_id for r in mine) == sorted(str(a) for a in room.actions[::2])
    open_ = without_log_reads(room.s, actions.rows)
    assert sorted(r.action_id for r in open_) == sorted(str(a) for a in room.actions[:2])
    scanned = [room.s.app.get(e.originator_id, Action) for e in scan(room.s, Action.Assigned.TOPIC)]
    assert {a.id for a in scanned if not a.done} == set(room.actions[:2])


def test_a_cases_attachments_come_from_the_index(room: Staffroom) -> None:
    attachments = AttachmentService(room.s.ctx)
    rows = without_log_reads(room.s, lambda: attachments.rows(room.concerns[0]))
    assert [r.attachment_id for r in rows] == [str(a) for a in room.attachments]
    assert [r.filename for r in rows] == ["p1.png", "p2.png"]


def test_accounts_and_the_dsls_an_alert_goes_to_come_from_the_index(room: Staffroom) -> None:
    listing = without_log_reads(room.s, room.s.accounts.listing)
    assert [r.account.name for r in listing] == ["Mr Sam Jones", "Ms Dee Patel", "Ms Ola Green"]
    assert len(scan(room.s, User.Added.TOPIC)) == 3
    dsls = without_log_reads(room.s, lambda: Restrictions(room.s.ctx).accounts_with(Role.DSL))
    assert [a.name for a in dsls] == ["Ms Dee Patel"]
    alerts = AlertService(room.s.ctx, room.s.projection_db())
    assert without_log_reads(room.s, alerts.dsl_emails) == ["dee@school.test"]


def test_a_persons_api_tokens_come_from_the_index(room: Staffroom) -> None:
    tokens = ApiTokenService(room.s.ctx, room.s.accounts)
    issued = tokens.issue(room.dsl.user_id, "reporting", "Ms Dee Patel")
    rows = without_log_reads(room.s, lambda: tokens.tokens_of(room.dsl.user_id))
    assert [r.token_id for r in rows] == [issued.token_id]
    assert without_log_reads(room.s, lambda: tokens.tokens_of(room.staff.user_id)) == []


def test_only_urgent_alerts_awaiting_acknowledgement_are_looked_at_for_escalation(
    room: Staffroom, clock: FakeClock
) -> None:
    s = room.s
    for urgent, concern_id in zip((True, True, False), room.concerns, strict=True):
        s.app.save(
            DslAlert(
                id=DslAlert.create_id(concern_id), concern_id=concern_id, urgent=urgent,
                recipients=1, receipts=[], failures=[], sent_at=clock(), requested_by="test",
            )
        )  # fmt: skip
    acknowledged = s.app.get(DslAlert.create_id(room.concerns[1]), DslAlert)
    acknowledged.acknowledge("Ms Dee Patel")
    s.app.save(acknowledged)
    sent: list[str] = []

    def send(address: str, message: Any) -> Delivered:
        sent.append(address)
        return Delivered(receipt=f"r{len(sent)}")

    alerts = AlertService(s.ctx, s.projection_db())
    assert without_log_reads(s, lambda: alerts.escalate_due(send)) == 0  # not yet due
    clock.advance(hours=1)
    assert without_log_reads(s, lambda: alerts.escalate_due(send)) == 1  # to the deputies
    assert sent == ["dee@school.test"]
    # still unacknowledged: the headteacher's tier (no headteacher set: every DSL again)
    assert without_log_reads(s, lambda: alerts.escalate_due(send)) == 1
    assert sent == ["dee@school.test", "dee@school.test"]
    assert without_log_reads(s, lambda: alerts.escalate_due(send)) == 0  # each tier once
    assert s.app.index.records_keyed(ALERTS_AWAITING) == []
    scanned = [s.app.get(e.originator_id, DslAlert) for e in scan(s, DslAlert.Sent.TOPIC)]
    assert [a.escalated for a in scanned] == [True, False, False]


def test_the_retention_sweep_reads_the_roll_and_due_files_from_the_index(
    room: Staffroom, clock: FakeClock
) -> None:
    s = room.s
    old = s.children.register("Old Leaver", born(s.ctx.clock, 30), "Office")
    roll = without_log_reads(s, s.retention.child_ids)
    registered = [e.originator_id for e in scan(s, Child.Registered.TOPIC)]
    assert roll == registered and old in roll and len(roll) > 20
    noted = without_log_reads(s, s.retention.sweep)
    assert old in noted
    due = without_log_reads(s, s.retention.due)
    assert str(old) in due and sorted(due) == sorted(str(c) for c in noted)
    s.retention.review(str(old), "erase", "retention-ended", "DSL")
    assert str(old) not in without_log_reads(s, s.retention.due)
    assert old not in without_log_reads(s, s.retention.child_ids)


def test_a_store_indexed_before_these_lists_is_reindexed_when_opened(room: Staffroom) -> None:
    """Rebuilding reads the whole log once (that is its job) and gives the same lists."""
    s = room.s
    index = s.app.index
    mine = index.records_keyed(RAISED_BY, str(room.staff.user_id))
    users = index.records_keyed(USERS)
    assert len(mine) == 2 and len(users) == 3
    recorder: Any = s.app.recorder
    with recorder.datastore.transaction(commit=True) as c:
        for table in ("record_keys", "case_index_state"):
            schema = getattr(recorder.datastore, "schema", None)
            c.execute(f"DELETE FROM {schema + '.' if schema else ''}{table}")
    assert index.records_keyed(USERS) == []
    s.app.rebuild_case_index()
    assert index.case_index_version() == INDEX_VERSION
    assert index.records_keyed(RAISED_BY, str(room.staff.user_id)) == mine
    assert index.records_keyed(USERS) == users
    assert without_log_reads(s, s.retention.child_ids) == [
        e.originator_id for e in scan(s, Child.Registered.TOPIC)
    ]


def test_the_child_search_starts_from_the_roll_in_the_index(room: Staffroom) -> None:
    """Built when a web process starts: the roll from the index, then the log from its head."""
    from safeshare.services.child_search import ChildSearch

    search = ChildSearch(room.s.ctx)
    with log_reads(room.s) as starts:
        found = search.search("ida moss")
    head = room.s.app.recorder.max_notification_id() or 0
    assert [m.child_id for m in found] == [room.child]
    assert starts == [head + 1]  # only what came after the head it started from
    later = room.s.children.register("Ida Mossop", born(room.s.ctx.clock, 9), "Office")
    assert [m.child_id for m in search.search("ida moss")] == [room.child, later]


def test_erasing_a_child_costs_the_childs_own_concerns(room: Staffroom) -> None:
    """Erasure finds the child's concerns in the case index written with each concern, and
    reads nothing of the log: a child with three concerns costs three concerns, however long
    the school's history."""
    s = room.s
    other = s.children.register("Bo Other", born(s.ctx.clock, 8), "Office")
    elsewhere = room._raise(room.other)  # a concern of the same child, raised by someone else
    s.concerns.raise_concern(str(other), "neglect", "Hungry.", ago(s.ctx.clock, hours=2), "Ms G")
    mine = [*room.concerns, elsewhere]
    erased = without_log_reads(
        s, lambda: s.children.erase(str(room.child), "retention-ended", "DSL")
    )
    assert erased == mine
    scanned = {e.originator_id for e in scan(s, Concern.ChildDataErased.TOPIC)}
    assert scanned == set(mine)
    assert not s.ctx.sealer.has_key(room.child) and s.ctx.sealer.has_key(other)
