"""A share that does not identify the child: "Does the information enable an individual to be
identified? ... No – you can share but should consider how." The DSL's redacted free text is
sent, never the original, and not while it still names the child or the household, or gives
the UPN or the date of birth."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.anonymising import KnownIdentifiers, check_redacted_text_identifies_no_one
from domain.codes import ConsentFrom
from domain.concern import Concern
from domain.errors import PolicyRefusal
from domain.packet_fields import PacketField
from tests.support import FakeClock
from tests.unit.concern_builders import a_concern, anonymised, sealed, to

DOB = (FakeClock().now - timedelta(days=5000)).date()
KNOWN = KnownIdentifiers(
    names=("Ben Demo-Walsh", "Kim Walsh"), upn="D100 0000 0002", date_of_birth=DOB
)


def refused_share(c: Concern, match: str, **kwargs: object) -> None:
    before = (len(c.pending_events), c.version)
    with pytest.raises(PolicyRefusal, match=match) as caught:
        c.decide_to_share(
            sealed("purpose"),
            [kwargs.pop("recipient", anonymised())],  # type: ignore[list-item]
            sealed("reasons"),
            "DSL",
            identifiable=False,
            **kwargs,  # type: ignore[arg-type]
        )
    assert caught.value.rule == "when: identifiable"
    assert (len(c.pending_events), c.version) == before


def refused_concern() -> Concern:
    c = a_concern()
    c.record_consent_refused(ConsentFrom.PARENT, None, "DSL")
    return c


def test_a_non_identifying_share_sends_the_dsls_redacted_facts_never_the_original() -> None:
    c = refused_concern()
    refused_share(c, "redacted version of the facts", redacted_opinion=sealed("o"))
    c.decide_to_share(
        sealed("purpose"),
        [anonymised()],
        sealed("reasons"),
        "DSL",
        identifiable=False,
        redacted_facts=sealed("redacted facts"),
        redacted_opinion=sealed("redacted opinion"),
    )
    assert c.decisions[-1].redacted_facts == sealed("redacted facts")


def test_a_non_identifying_share_with_the_opinion_needs_it_redacted_too() -> None:
    c = refused_concern()
    refused_share(c, "opinion", redacted_facts=sealed("f"))
    without_opinion = to(fields=anonymised().fields - {PacketField.OPINION})
    c.decide_to_share(
        sealed("purpose"),
        [without_opinion],
        sealed("reasons"),
        "DSL",
        identifiable=False,
        redacted_facts=sealed("f"),
    )


def test_a_non_identifying_share_cannot_carry_the_chronology() -> None:
    c = refused_concern()
    with_chronology = to(fields=anonymised().fields | {PacketField.CHRONOLOGY})
    refused_share(
        c,
        "chronology",
        recipient=with_chronology,
        redacted_facts=sealed("f"),
        redacted_opinion=sealed("o"),
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ben said his stepfather hit him", "known name"),
        ("Mrs Walsh was not at home", "known name"),
        ("UPN D10000000002 on file", "UPN"),
        (f"born {DOB:%d/%m/%Y}", "date of birth"),
        (f"born {DOB.day} {DOB:%B} {DOB.year}", "date of birth"),
        (f"born {DOB.isoformat()}", "date of birth"),
    ],
)
def test_redacted_text_that_still_identifies_the_child_is_refused(text: str, found: str) -> None:
    with pytest.raises(PolicyRefusal, match=found) as caught:
        check_redacted_text_identifies_no_one({"redacted facts": text}, KNOWN)
    assert "Walsh" not in str(caught.value) and str(DOB.year) not in str(caught.value)


def test_redacted_text_that_names_no_one_passes() -> None:
    check_redacted_text_identifies_no_one(
        {"redacted facts": "A Year 9 pupil said an adult at home hit him.", "purpose": None},
        KNOWN,
    )
