"""Working-day and school-day arithmetic: pure functions, no clock, no I/O.

DESIGN.md, "Timeliness standards": "Working days exclude weekends and England & Wales bank
holidays (the `holidays` package); school days also exclude the school's configured closures."
A day is a calendar day in the school's own time zone (Europe/London), so a concern raised at
23:30 UTC in summer (00:30 BST) belongs to the next day, as the staff who raised it saw it.

A standard of "same working day" is `n = 0` working days: the deadline is the end of the first
working day on or after the start (a concern raised on a Saturday is due by the end of Monday).
"Within one working day" is `n = 1`: the end of the next working day, and so on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SCHOOL_TZ = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays (the `holidays` package, GB subdivision ENG)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


@dataclass(frozen=True)
class Calendar:
    """Which days count. `closures` are the school's own closure days (INSET days, the
    holidays between terms); with none, school days are working days."""

    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, closures: Iterable[date] = ()) -> Calendar:
        return cls(frozenset(closures))

    def is_working_day(self, day: date) -> bool:
        """Not a Saturday or Sunday and not an England & Wales bank holiday."""
        return day.weekday() < 5 and not is_bank_holiday(day)

    def is_school_day(self, day: date) -> bool:
        """A working day on which the school is open."""
        return self.is_working_day(day) and day not in self.closures

    def _counts(self, day: date, school: bool) -> bool:
        return self.is_school_day(day) if school else self.is_working_day(day)

    def add_days(self, start: date, n: int, school: bool = False) -> date:
        """The day `n` working (or school) days after the first such day on or after `start`."""
        day = start
        while not self._counts(day, school):
            day += timedelta(days=1)
        for _ in range(n):
            day += timedelta(days=1)
            while not self._counts(day, school):
                day += timedelta(days=1)
        return day

    def days_between(self, start: date, end: date, school: bool = False) -> int:
        """How many working (or school) days after `start` up to and including `end`
        (0 when `end` is on or before `start`, or only non-counting days lie between)."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            if self._counts(day, school):
                count += 1
            day += timedelta(days=1)
        return count


def local_day(moment: datetime) -> date:
    """The school's calendar day of an aware moment."""
    return moment.astimezone(SCHOOL_TZ).date()


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in the school's time zone, as aware UTC."""
    nxt = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SCHOOL_TZ)
    return nxt.astimezone(UTC) - timedelta(microseconds=1)


def deadline(calendar: Calendar, start: datetime, n: int, school: bool = False) -> datetime:
    """The end of the `n`th working (school) day counted from `start` (0: the same day, or the
    next working day when `start` falls on a weekend, bank holiday or closure)."""
    return end_of_day(calendar.add_days(local_day(start), n, school))


def elapsed_days(calendar: Calendar, start: datetime, end: datetime, school: bool = False) -> int:
    """Working (school) days taken from `start` to `end`: 0 when done the same day (or on the
    first working day after a weekend start)."""
    first = calendar.add_days(local_day(start), 0, school)
    return calendar.days_between(first, local_day(end), school)
