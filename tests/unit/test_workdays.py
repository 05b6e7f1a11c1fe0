"""Working days and school days (DESIGN.md, "Timeliness standards")."""

from __future__ import annotations

from datetime import UTC, date, datetime

from projections.standards import Standards, Step, concern_steps, referral_steps
from projections.workdays import Calendar, deadline, elapsed_days, end_of_day, local_day

CAL = Calendar()


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def test_weekend_is_skipped() -> None:
    friday = date(2026, 11, 27)
    assert CAL.add_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert CAL.add_days(date(2026, 11, 28), 0) == date(2026, 11, 30)  # Saturday -> Monday
    assert CAL.days_between(friday, date(2026, 11, 30)) == 1


def test_christmas_and_boxing_day() -> None:
    # 2026: Christmas Friday 25th, Boxing Day Saturday 26th, observed Monday 28th.
    eve = date(2026, 12, 24)
    assert CAL.add_days(eve, 1) == date(2026, 12, 29)
    assert not CAL.is_working_day(date(2026, 12, 28))
    # 2025: Christmas Thursday, Boxing Day Friday.
    assert CAL.add_days(date(2025, 12, 24), 1) == date(2025, 12, 29)


def test_easter_monday_and_good_friday() -> None:
    # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    thursday = date(2026, 4, 2)
    assert CAL.add_days(thursday, 1) == date(2026, 4, 7)
    assert CAL.days_between(thursday, date(2026, 4, 7)) == 1


def test_configured_closure_counts_for_school_days_only() -> None:
    inset = date(2026, 11, 30)  # an INSET Monday
    cal = Calendar.of([inset])
    friday = date(2026, 11, 27)
    assert cal.add_days(friday, 1) == inset  # still a working day
    assert cal.add_days(friday, 1, school=True) == date(2026, 12, 1)
    # five school days from a Friday before an INSET Monday: Tue..Fri + next Monday
    assert cal.add_days(friday, 5, school=True) == date(2026, 12, 7)


def test_same_working_day_deadline_and_elapsed() -> None:
    friday_evening = at(2026, 11, 27, 17)
    due = deadline(CAL, friday_evening, 0)
    assert local_day(due) == date(2026, 11, 27)
    saturday = at(2026, 11, 28, 10)
    assert local_day(deadline(CAL, saturday, 0)) == date(2026, 11, 30)
    assert elapsed_days(CAL, saturday, at(2026, 11, 30, 16)) == 0
    assert elapsed_days(CAL, friday_evening, at(2026, 11, 30, 9)) == 1


def test_school_time_zone_decides_the_day() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert local_day(at(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    assert end_of_day(date(2026, 7, 1)) == datetime(2026, 7, 1, 22, 59, 59, 999999, tzinfo=UTC)


def test_steps_against_standards() -> None:
    std = Standards()
    raised = at(2026, 12, 24, 15)
    concern = {"kind": "concern", "id": "c", "raised_at": raised.isoformat(), "urgent": False}
    decided_after_christmas = dict(concern, decided_at=at(2026, 12, 29, 9).isoformat())
    (r,) = concern_steps(decided_after_christmas, std, CAL)
    assert r.step is Step.DECISION and r.breached and r.working_days == 1
    (ok,) = concern_steps(dict(concern, decided_at=at(2026, 12, 24, 16).isoformat()), std, CAL)
    assert not ok.breached
    transfer = {
        "kind": "referral",
        "id": "r",
        "concern_id": "c",
        "agency_kind": "school",
        "urgent": False,
        "prepared_at": at(2026, 4, 2).isoformat(),  # Thursday before Easter
        "receipt_at": at(2026, 4, 10).isoformat(),  # 4 working days later (Tue..Fri)
    }
    (t,) = referral_steps(transfer, std, CAL)
    assert t.step is Step.TRANSFER and not t.breached and t.working_days == 4
    closed = Calendar.of([date(2026, 4, 7), date(2026, 4, 8)])
    (t2,) = referral_steps(dict(transfer, receipt_at=at(2026, 4, 15).isoformat()), std, closed)
    assert not t2.breached and t2.working_days == 5
    urgent = dict(transfer, agency_kind="police", urgent=True, raised_at=at(2026, 4, 2).isoformat())
    urgent["dispatched_at"] = at(2026, 4, 2, 10, 20).isoformat()
    dispatch, delivery = referral_steps(urgent, std, CAL)
    assert dispatch.step is Step.URGENT_DISPATCH and dispatch.breached  # 20 min > 15
    assert delivery.step is Step.DELIVERY
