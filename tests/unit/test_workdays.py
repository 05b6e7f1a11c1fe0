"""Working days and school days (DESIGN.md, "Timeliness standards").

Every date here is found from the session's clock (the next Friday, the next Christmas, the next
Easter after it), so the calendar is checked on whatever day the suite runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays

from projections.standards import Standards, Step, concern_steps, referral_steps
from projections.workdays import (
    Calendar,
    deadline,
    elapsed_days,
    end_of_day,
    is_bank_holiday,
    local_day,
)
from tests.support import SESSION_START

CAL = Calendar()
TODAY = SESSION_START.date()
MON, TUE, FRI, SAT = 0, 1, 4, 5


def at(day: date, h: int = 10, mi: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, h, mi, tzinfo=UTC)


def next_weekday(weekday: int, after: date = TODAY, plain_week: bool = True) -> date:
    """The next such weekday; with `plain_week`, one in a week (Mon..Fri) with no bank holiday."""
    day = after + timedelta(days=1)
    while True:
        if day.weekday() == weekday:
            monday = day - timedelta(days=day.weekday())
            week = [monday + timedelta(days=i) for i in range(12)]
            if not plain_week or not any(is_bank_holiday(d) for d in week):
                return day
        day += timedelta(days=1)


def next_named_holiday(name: str) -> date:
    for year in (TODAY.year, TODAY.year + 1):
        named = holidays.country_holidays("GB", subdiv="ENG", years=year)
        for day, label in sorted(named.items()):
            if name in label and day > TODAY:
                return date.fromisoformat(str(day))
    raise AssertionError(name)


def test_weekend_is_skipped() -> None:
    friday = next_weekday(FRI)
    monday = friday + timedelta(days=3)
    assert CAL.add_days(friday, 1) == monday
    assert CAL.add_days(friday + timedelta(days=1), 0) == monday  # Saturday -> Monday
    assert CAL.days_between(friday, monday) == 1


def last_working_day_before_christmas() -> date:
    day = next_named_holiday("Christmas Day") - timedelta(days=1)
    while not CAL.is_working_day(day):
        day -= timedelta(days=1)
    return day


def test_christmas_and_boxing_day_are_not_working_days() -> None:
    eve = last_working_day_before_christmas()
    after = CAL.add_days(eve, 1)
    assert after >= eve + timedelta(days=3)  # Christmas and Boxing Day (or their substitutes)
    between = [eve + timedelta(days=i) for i in range(1, (after - eve).days)]
    assert all(not CAL.is_working_day(d) for d in between)
    assert CAL.is_working_day(after) and after.weekday() < SAT


def test_easter_monday_and_good_friday() -> None:
    good_friday = next_named_holiday("Good Friday")
    thursday = good_friday - timedelta(days=1)
    tuesday = good_friday + timedelta(days=4)
    assert CAL.add_days(thursday, 1) == tuesday
    assert CAL.days_between(thursday, tuesday) == 1


def test_configured_closure_counts_for_school_days_only() -> None:
    friday = next_weekday(FRI)
    inset = friday + timedelta(days=3)  # an INSET Monday
    cal = Calendar.of([inset])
    assert cal.add_days(friday, 1) == inset  # still a working day
    assert cal.add_days(friday, 1, school=True) == inset + timedelta(days=1)
    # five school days from a Friday before an INSET Monday: Tue..Fri + next Monday
    assert cal.add_days(friday, 5, school=True) == inset + timedelta(days=7)


def test_same_working_day_deadline_and_elapsed() -> None:
    friday = next_weekday(FRI)
    monday = friday + timedelta(days=3)
    friday_evening = at(friday, 17)
    assert local_day(deadline(CAL, friday_evening, 0)) == friday
    saturday = at(friday + timedelta(days=1), 10)
    assert local_day(deadline(CAL, saturday, 0)) == monday
    assert elapsed_days(CAL, saturday, at(monday, 16)) == 0
    assert elapsed_days(CAL, friday_evening, at(monday, 9)) == 1


def test_school_time_zone_decides_the_day() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July, in any year.
    june_30 = date(TODAY.year, 6, 30)
    july_1 = june_30 + timedelta(days=1)
    assert local_day(at(june_30, 23, 30)) == july_1
    assert end_of_day(july_1) == at(july_1, 22, 59) + timedelta(seconds=59, microseconds=999999)


def test_steps_against_standards() -> None:
    std = Standards()
    eve = last_working_day_before_christmas()
    after = CAL.add_days(eve, 1)
    raised = at(eve, 15)
    concern = {"kind": "concern", "id": "c", "raised_at": raised.isoformat(), "urgent": False}
    decided_after_christmas = dict(concern, decided_at=at(after, 9).isoformat())
    (r,) = concern_steps(decided_after_christmas, std, CAL)
    assert r.step is Step.DECISION and r.breached and r.working_days == 1
    (ok,) = concern_steps(dict(concern, decided_at=at(eve, 16).isoformat()), std, CAL)
    assert not ok.breached
    thursday = next_named_holiday("Good Friday") - timedelta(days=1)
    tuesday = thursday + timedelta(days=5)
    transfer = {
        "kind": "referral",
        "id": "r",
        "concern_id": "c",
        "agency_kind": "school",
        "urgent": False,
        "prepared_at": at(thursday).isoformat(),  # Thursday before Easter
        "receipt_at": at(tuesday + timedelta(days=3)).isoformat(),  # 4 working days (Tue..Fri)
    }
    (t,) = referral_steps(transfer, std, CAL)
    assert t.step is Step.TRANSFER and not t.breached and t.working_days == 4
    closed = Calendar.of([tuesday, tuesday + timedelta(days=1)])
    later = at(tuesday + timedelta(days=8)).isoformat()
    (t2,) = referral_steps(dict(transfer, receipt_at=later), std, closed)
    assert not t2.breached and t2.working_days == 5
    urgent = dict(transfer, agency_kind="police", urgent=True, raised_at=at(thursday).isoformat())
    urgent["dispatched_at"] = at(thursday, 10, 20).isoformat()
    dispatch, delivery = referral_steps(urgent, std, CAL)
    assert dispatch.step is Step.URGENT_DISPATCH and dispatch.breached  # 20 min > 15
    assert delivery.step is Step.DELIVERY
