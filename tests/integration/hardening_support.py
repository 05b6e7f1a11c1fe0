"""A shared case for the hardening tests, its dates derived from the test's clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from safeshare.services.school import Safeshare
from tests.support import FakeClock


def register_child(school: Safeshare, clock: FakeClock, name: str = "Ava Stone") -> str:
    dob = (clock.now - timedelta(days=365 * 10)).date().isoformat()
    return str(school.children.register(name, dob, by="Office", upn="A123456789012"))


def raise_concern(school: Safeshare, clock: FakeClock, child: str, facts: str = "A bruise.") -> str:
    observed = (clock.now - timedelta(hours=2)).isoformat()
    return str(school.concerns.raise_concern(child, "physical-abuse", facts, observed, "Ms Green"))


def share_a_case(school: Safeshare, clock: FakeClock, to: list[str], **kwargs: Any) -> list[str]:
    """A concern shared without consent on a public-task basis; the referral ids."""
    concern = raise_concern(school, clock, register_child(school, clock))
    school.concerns.record_consent(concern, "not-sought", "DSL", reason="risk-to-child")
    school.concerns.record_lawful_basis(
        concern, "public-task", "Risk of harm", "DSL", article9="safeguarding"
    )
    result = school.concerns.decide(
        concern, True, "Disclosure", "DSL", purpose="Strategy", to=to, **kwargs
    )
    return [str(r) for r in result.referral_ids]
