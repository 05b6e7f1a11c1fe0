"""Keeping a child's file no longer than necessary.

Principle Record: "The information should not be kept any longer than is necessary. In some
rare circumstances, this may be indefinitely, but if this is the case, there should be a review
process scheduled at regular intervals to ensure data is not retained where it is unnecessary to
do so." A child-protection file is reviewed by default at the child's 25th birthday, then at the
interval the DSL sets. The date of birth stays sealed: the application opens it in memory to ask
`review_due`, and the record keeps only that a review fell due.
"""

from __future__ import annotations

from datetime import date

DEFAULT_YEARS = 25
"""The usual schedule for child-protection files in schools: date of birth + 25 years."""


def first_review(date_of_birth: date, years: int = DEFAULT_YEARS) -> date:
    """The child's birthday `years` on (a 29 February birthday falls on 28 February)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date(date_of_birth.year + years, 2, 28)


def review_due(
    date_of_birth: date, today: date, next_review: date | None, years: int = DEFAULT_YEARS
) -> bool:
    """Whether the child's file is due for review today: at the date the last review set, or,
    before any review, at the default first review."""
    due = next_review if next_review is not None else first_review(date_of_birth, years)
    return due <= today
