"""The fuzzing harness (hardening issue, "A fuzzing harness, kept"): whatever text, date or id
a person gives the service layer, it is either recorded exactly as given (outer spaces trimmed)
or refused with `InvalidValue` naming the field, and after a refusal the store has not moved.

Bounded and derandomised under `make test`; `make fuzz` runs many more random examples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.visible_text import is_blank
from safeshare.services.school import Safeshare
from tests.fuzz.profiles import FUZZ
from tests.fuzz.strategies import moments, texts
from tests.support import FakeClock, open_school

CLOCK = FakeClock()


@pytest.fixture(scope="module")
def school(
    identity_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Safeshare]:
    with open_school(
        identity_template, tmp_path_factory.mktemp("fuzz") / "var", "sqlite", CLOCK
    ) as s:
        yield s


@pytest.fixture(scope="module")
def child(school: Safeshare) -> str:
    dob = (CLOCK.now - timedelta(days=3650)).date().isoformat()
    return str(school.children.register("Fuzz Child", dob, by="Office"))


def _position(school: Safeshare) -> int:
    return int(school.app.recorder.max_notification_id() or 0)


def recorded_or_refused(
    school: Safeshare, fields: set[str], command: Callable[[], Any]
) -> Any | None:
    """Run `command`; a refusal must name one of `fields` and leave the store where it was."""
    before, keys = _position(school), school.keystore.count()
    try:
        return command()
    except InvalidValue as refused:
        assert refused.field in fields, f"refused naming {refused.field!r}, not one of {fields}"
        assert _position(school) == before, "a refused command moved the store"
        assert school.keystore.count() == keys, "a refused command left a key behind"
        return None


@FUZZ
@given(facts=texts, opinion=st.one_of(st.none(), texts), by=texts)
def test_a_concerns_texts_are_recorded_exactly_or_refused_naming_the_field(
    school: Safeshare, child: str, facts: str, opinion: str | None, by: str
) -> None:
    observed = (CLOCK.now - timedelta(hours=1)).isoformat()
    concern = recorded_or_refused(
        school,
        {"facts", "opinion", "by"},
        lambda: school.concerns.raise_concern(child, "neglect", facts, observed, by, opinion),
    )
    if concern is None:
        return
    shown = school.views.show_concern(str(concern), "fuzz")["concern"]
    assert shown["facts"] == facts.strip()
    assert shown["raised_by"] == by.strip()
    if opinion is not None and not is_blank(opinion):
        assert shown["opinion"] == opinion.strip()


@FUZZ
@given(data=st.data())
def test_a_moment_is_recorded_exactly_or_refused_naming_the_field(
    school: Safeshare, child: str, data: st.DataObject
) -> None:
    observed = data.draw(moments(CLOCK.now))
    concern = recorded_or_refused(
        school,
        {"observed-at"},
        lambda: school.concerns.raise_concern(child, "neglect", "Hungry.", observed, "Ms G"),
    )
    if concern is None:
        return
    given_moment = datetime.fromisoformat(observed.strip())
    if given_moment.tzinfo is None:
        given_moment = given_moment.replace(tzinfo=UTC)
    shown = school.views.show_concern(str(concern), "fuzz")["concern"]
    assert datetime.fromisoformat(str(shown["observed_at"])) == given_moment


@FUZZ
@given(name=texts, dob=st.one_of(texts, st.dates().map(lambda d: d.isoformat())), upn=texts)
def test_a_child_is_registered_exactly_or_refused_naming_the_field(
    school: Safeshare, name: str, dob: str, upn: str
) -> None:
    child = recorded_or_refused(
        school,
        {"name", "dob", "upn"},
        lambda: school.children.register(name, dob, by="Office", upn=upn),
    )
    if child is None:
        return
    registered = school.ctx.child(child)
    unseal = school.ctx.sealer.unseal
    assert unseal(registered.id, registered.name) == name.strip()
    assert unseal(registered.id, registered.date_of_birth) == dob.strip()


@FUZZ
@given(record_id=texts)
def test_an_id_that_is_not_a_record_is_refused_naming_the_field(
    school: Safeshare, record_id: str
) -> None:
    observed = (CLOCK.now - timedelta(hours=1)).isoformat()
    outcome = recorded_or_refused(
        school,
        {"child"},
        lambda: school.concerns.raise_concern(record_id, "neglect", "Hungry.", observed, "Ms G"),
    )
    assert outcome is None


@FUZZ
@given(agency_id=texts, name=texts, address=texts)
def test_an_agency_is_added_exactly_or_refused_naming_the_field(
    school: Safeshare, agency_id: str, name: str, address: str
) -> None:
    pem = str(school.agencies.get("mash")["certificate_pem"])

    def add() -> bool:
        school.agencies.add(agency_id, name, "other", "smtp", address, pem, "DSL")
        return True

    if recorded_or_refused(school, {"id", "name", "address"}, add) is None:
        return
    entry = school.agencies.get(agency_id.strip())
    assert entry["address"] == address.strip() and entry["name"] == name.strip()
