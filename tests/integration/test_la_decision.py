"""Referral to local-authority acknowledgement and decision: "within one working day"
(Working Together 2023), measured from delivery to when the DSL records the answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.errors import PolicyRefusal
from domain.referral import Referral
from projections.standards import Standards, Step
from projections.timeliness import Timeliness, steps
from projections.workdays import Calendar, deadline
from safeshare.services import projections as ps
from safeshare.services.referrals import acknowledge_referral
from safeshare.services.school import Safeshare
from tests.support import FakeClock, ago, born


def delivered_referral_to_mash(s: Safeshare, clock: FakeClock) -> str:
    """A referral to MASH delivered at the clock's now."""
    child = str(s.children.register("Amira Test", born(s.ctx.clock, 12), by="Office"))
    cid = str(s.concerns.raise_concern(child, "neglect", "No coat", ago(s.ctx.clock, hours=2), "T"))
    s.concerns.record_consent(cid, "given", "DSL", from_whom="parent")
    (rid,) = s.concerns.decide(
        cid, True, "agreed", "DSL", purpose="early help", to=["mash"]
    ).referral_ids
    referral = s.app.get(rid, Referral)
    referral.record_dispatched(1, "smtp", "packet-1", "0" * 64)
    referral.record_delivered("250 accepted")
    s.app.save(referral)
    return str(rid)


def past_the_working_day(delivered: datetime) -> datetime:
    """Two hours after the local authority's one working day ends (bank holidays included)."""
    return deadline(Calendar(), delivered, 1) + timedelta(hours=2)


def la_steps(s: Safeshare) -> list[tuple[bool, bool]]:
    ps.catch_up(s)
    r = ps.runner(s, "timeliness")
    assert isinstance(r.projection, Timeliness)
    with r.db.transaction() as tx:
        results = steps(r.projection.states(tx), Standards(), Calendar())
    now = s.ctx.clock()
    return [(x.breached, x.overdue(now)) for x in results if x.step is Step.LA_DECISION]


def test_an_acknowledgement_after_the_working_day_is_a_breach(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    rid = delivered_referral_to_mash(sqlite_school, clock)
    clock.now = past_the_working_day(clock.now)
    acknowledge_referral(
        sqlite_school, rid, "assessment", (clock.now - timedelta(hours=1)).isoformat(), "DSL"
    )
    assert la_steps(sqlite_school) == [(True, False)]
    assert sqlite_school.packets.referral(rid).agency_outcome == "assessment"


def test_no_answer_past_the_working_day_is_overdue(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    delivered_referral_to_mash(sqlite_school, clock)
    assert la_steps(sqlite_school) == [(False, False)]
    clock.now = past_the_working_day(clock.now)
    assert la_steps(sqlite_school) == [(False, True)]


def test_only_a_delivered_referral_can_be_acknowledged(sqlite_school: Safeshare) -> None:
    s = sqlite_school
    child = str(s.children.register("Ben Test", born(s.ctx.clock, 14), by="Office"))
    cid = str(s.concerns.raise_concern(child, "neglect", "f", ago(s.ctx.clock, hours=2), "T"))
    s.concerns.record_consent(cid, "given", "DSL", from_whom="parent")
    (rid,) = s.concerns.decide(cid, True, "r", "DSL", purpose="p", to=["mash"]).referral_ids
    with pytest.raises(PolicyRefusal, match="only a delivered referral"):
        acknowledge_referral(s, str(rid), "assessment", ago(s.ctx.clock, minutes=1), "DSL")
