"""Finding 8 of the hardening issue: the smaller holes at the edge, each refused naming the
field with nothing recorded (or, for a concurrent change, its own clear error)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.errors import InvalidValue, RecordChanged
from safeshare.services.school import Safeshare
from tests.integration.hardening_support import raise_concern, register_child
from tests.support import FakeClock


def _position(school: Safeshare) -> int:
    return int(school.app.recorder.max_notification_id() or 0)


def test_text_that_was_not_valid_utf8_is_refused_naming_the_field(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    keys, before = sqlite_school.keystore.count(), _position(sqlite_school)
    dob = (clock.now - timedelta(days=3650)).date().isoformat()
    with pytest.raises(InvalidValue) as refused:
        sqlite_school.children.register("Ann\udcff", dob, by="Office")
    assert refused.value.field == "name" and "UTF-8" in refused.value.problem
    assert sqlite_school.keystore.count() == keys and _position(sqlite_school) == before


def test_a_child_that_could_not_be_recorded_leaves_no_key_behind(
    sqlite_school: Safeshare, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = sqlite_school.keystore.count()

    def store_down(*aggregates: Any, **kwargs: Any) -> None:
        raise OSError("the event store is unavailable")

    monkeypatch.setattr(sqlite_school.app, "save", store_down)
    with pytest.raises(OSError):
        register_child(sqlite_school, clock)
    assert sqlite_school.keystore.count() == keys


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+00:00", "1899-12-31T12:00:00+00:00"])
def test_a_moment_before_1900_is_refused(
    sqlite_school: Safeshare, clock: FakeClock, when: str
) -> None:
    child = register_child(sqlite_school, clock)
    with pytest.raises(InvalidValue, match="before 1900") as refused:
        sqlite_school.concerns.raise_concern(child, "neglect", "Hungry.", when, "Ms Green")
    assert refused.value.field == "observed-at"


def test_a_date_of_birth_in_year_one_is_refused(sqlite_school: Safeshare) -> None:
    with pytest.raises(InvalidValue, match="before 1900") as refused:
        sqlite_school.children.register("Ben Ode", "0001-01-01", by="Office")
    assert refused.value.field == "dob"


def test_a_concern_observed_before_the_child_was_born_is_refused(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    born = (clock.now - timedelta(days=400)).date()
    child = str(sqlite_school.children.register("Cal Dunn", born.isoformat(), by="Office"))
    before = _position(sqlite_school)
    observed = (clock.now - timedelta(days=500)).isoformat()
    with pytest.raises(InvalidValue, match="date of birth") as refused:
        sqlite_school.concerns.raise_concern(child, "neglect", "Hungry.", observed, "Ms Green")
    assert refused.value.field == "observed-at" and _position(sqlite_school) == before


def _ready_to_share(school: Safeshare, clock: FakeClock) -> str:
    concern = raise_concern(school, clock, register_child(school, clock))
    school.concerns.record_consent(concern, "not-sought", "DSL", reason="risk-to-child")
    school.concerns.record_lawful_basis(
        concern, "public-task", "Risk of harm", "DSL", article9="safeguarding"
    )
    return concern


def test_narrowing_the_fields_of_an_agency_that_is_not_a_recipient_is_refused(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    concern = _ready_to_share(sqlite_school, clock)
    before = _position(sqlite_school)
    with pytest.raises(InvalidValue, match="not a recipient") as refused:
        sqlite_school.concerns.decide(
            concern, True, "Disclosure", "DSL", purpose="Strategy", to=["mash"],
            fields={"police": ["facts"]},
        )  # fmt: skip
    assert refused.value.field == "field" and _position(sqlite_school) == before


def test_a_decision_on_a_case_changed_meanwhile_saves_nothing_and_says_look_again(
    sqlite_school: Safeshare, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeshare.bootstrap import build

    concern = _ready_to_share(sqlite_school, clock)
    other = build(sqlite_school.settings, clock=clock)  # a second DSL's session
    try:
        stale = other.ctx.concern(concern)  # read before the first DSL decides
        monkeypatch.setattr(other.ctx, "concern", lambda *args, **kwargs: stale)
        sqlite_school.concerns.decide(
            concern, True, "Disclosure", "DSL", purpose="Strategy", to=["mash"]
        )
        before = _position(sqlite_school)
        with pytest.raises(RecordChanged, match="the case changed while you were deciding"):
            other.concerns.decide(
                concern, True, "Disclosure", "DSL 2", purpose="Strategy", to=["police"]
            )
        assert _position(sqlite_school) == before
    finally:
        other.close()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("id", {"agency_id": "maѕh"}),
        ("name", {"name": "County MAЅH"}),
        ("name", {"name": "County MASH\r\nBcc: someone@example.org"}),
        ("address", {"address": "mash@county.example\nBcc: x@example.org"}),
    ],
)
def test_agency_ids_and_names_with_look_alike_letters_or_line_breaks_are_refused(
    sqlite_school: Safeshare, field: str, kwargs: dict[str, str]
) -> None:
    mash = sqlite_school.agencies.get("mash")
    entry: dict[str, Any] = {
        "agency_id": "mash2",
        "name": "County MASH",
        "kind": "mash",
        "channel": "smtp",
        "address": "mash@county.example",
        "certificate_pem": mash["certificate_pem"],
        "by": "DSL",
    }
    before = _position(sqlite_school)
    with pytest.raises(InvalidValue) as refused:
        sqlite_school.agencies.add(**{**entry, **kwargs})
    assert refused.value.field == field and _position(sqlite_school) == before
