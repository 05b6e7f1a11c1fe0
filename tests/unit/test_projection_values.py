"""How the read models store times and ids: the text is what `isoformat()` and `str()` give,
however fast they are made (`projections.batch`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from projections.batch import iso, sid


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 7, 19, 46, 39, tzinfo=UTC),  # no fraction of a second
        datetime(2026, 12, 7, 19, 46, 39, 1, tzinfo=UTC),
        datetime(2026, 12, 7, 19, 46, 39, 120000, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 1, 1, tzinfo=UTC),
        datetime(2026, 6, 1, 9, 30, 15, 500, tzinfo=timezone(timedelta(hours=1))),  # BST
        datetime(2026, 3, 29, 1, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_a_time_is_stored_as_its_utc_iso_text(moment: datetime) -> None:
    assert iso(moment) == moment.astimezone(UTC).isoformat()


def test_no_time_is_stored_as_nothing() -> None:
    assert iso(None) is None


def test_an_id_is_stored_as_its_text_the_same_however_often_asked() -> None:
    ids = [uuid4() for _ in range(3)]
    assert [sid(i) for i in ids] == [str(i) for i in ids]
    again = UUID(str(ids[0]))  # an equal id, another object
    assert sid(again) == str(ids[0])
