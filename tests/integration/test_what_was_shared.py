"""Golden rule 7, "If you decide to share, then record what you have shared, with whom and for
what purpose": each referral's packet is fixed at the decision, every send carries exactly it,
and the DSL and an auditor see what each agency received and its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from domain.errors import PolicyRefusal
from domain.referral import Referral
from domain.sealed import Sealed
from safeshare.services.audit import AuditService
from safeshare.services.school import Safeshare
from sharing.packet import parse_packet
from tests.integration.test_referral_packet import open_as_agency, share_canary_case
from tests.support import CANARY_FACT, FakeClock


def test_the_packet_is_fixed_at_the_decision_with_its_sha256_in_the_same_transaction(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    (rid,) = share_canary_case(school, ["police"])
    referral = school.packets.referral(rid)
    events = list(school.app.events.get(referral.id))
    assert [type(e).__name__ for e in events] == ["Prepared", "RecipientFrozen", "ContentFrozen"]
    frozen = school.packets.mime_of(referral)
    assert referral.content_sha256 == hashlib.sha256(frozen).hexdigest()
    frozen_event = events[2]
    assert isinstance(frozen_event, Referral.ContentFrozen)
    sealed = frozen_event.packet
    assert isinstance(sealed, Sealed) and sealed.field == "referral.packet"
    assert CANARY_FACT not in sealed.token, "the frozen packet is sealed with the child's key"


def test_every_send_carries_the_packet_as_decided_even_after_the_record_changes(
    sqlite_school: Safeshare, clock: FakeClock, tmp_path: Path
) -> None:
    school = sqlite_school
    (rid,) = share_canary_case(school, ["police"])
    referral = school.packets.referral(rid)
    decided = school.packets.mime_of(referral)
    school.concerns.record_lawful_basis(
        str(referral.concern_id),
        "vital-interests",
        "A justification written after the decision",
        "DSL",
        article9="vital-interests",
    )
    clock.advance(hours=3)
    first, second = tmp_path / "first.p7m", tmp_path / "second.p7m"
    school.packets.export(rid, first, "DSL")
    school.packets.export(rid, second, "DSL")
    assert first.read_bytes() != second.read_bytes(), "each sealing is freshly encrypted"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    received = [
        open_as_agency(school, "police", first, tmp_path / "a"),
        open_as_agency(school, "police", second, tmp_path / "b"),
    ]
    assert received == [decided, decided]
    assert hashlib.sha256(received[0]).hexdigest() == referral.content_sha256
    basis = parse_packet(received[0])["content"]["lawful-basis"]
    assert basis["justification"] == "Risk of harm"


def test_referral_show_and_the_auditors_replay_show_what_the_agency_received(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    (rid,) = share_canary_case(school, ["police"])
    referral = school.packets.referral(rid)
    shown = school.views.show_referral(rid, "DSL")
    packet = shown["packet"]
    assert packet["content_sha256"] == referral.content_sha256 and packet["intact"]
    assert CANARY_FACT in packet["text"]
    assert packet["document"]["recipient_id"] == "police"
    frozen_at = school.packets.referral(rid).modified_on
    as_of = (frozen_at + timedelta(seconds=1)).isoformat()
    replay = AuditService(school).replay(str(referral.concern_id), as_of)
    [as_replayed] = replay["referrals"]
    assert as_replayed["content_sha256"] == referral.content_sha256
    assert as_replayed["packet"]["text"] == packet["text"]


def test_after_erasure_the_hash_stays_and_the_packet_reads_as_erased(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    (rid,) = share_canary_case(school, ["police"])
    referral = school.packets.referral(rid)
    school.children.erase(str(referral.child_id), "retention-ended", "DSL")
    packet = school.views.show_referral(rid, "Auditor")["packet"]
    assert packet["content_sha256"] == referral.content_sha256
    assert packet["text"] is None and packet["intact"] is False
    assert school.app.get(referral.id, Referral).frozen_packet is not None


def test_shares_after_a_correction_carry_the_corrected_text_and_earlier_ones_keep_theirs(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    (first,) = share_canary_case(school, ["police"])
    concern_id = str(school.packets.referral(first).concern_id)
    school.concerns.correct_facts(
        concern_id, "Corrected: a bruise on the LEFT forearm.", "Checked with Ms Green", "DSL"
    )
    school.concerns.add_to_facts(concern_id, "He repeated it to the nurse.", "New", "DSL")
    again = school.concerns.decide(
        concern_id, True, "Corrected facts", "DSL", purpose="Update", to=["police"]
    )
    (second,) = again.referral_ids
    before = school.views.show_referral(first, "DSL")["packet"]["document"]["content"]["facts"]
    after = school.views.show_referral(str(second), "DSL")["packet"]["document"]["content"]
    assert CANARY_FACT in before[0]["text"]
    assert after["facts"][0]["text"] == "Corrected: a bruise on the LEFT forearm."
    assert after["facts"][1]["text"] == "Addendum: He repeated it to the nurse."
    shown = school.views.show_concern(concern_id, "DSL")["concern"]
    assert shown["facts"] == "Corrected: a bruise on the LEFT forearm."
    assert shown["fact_amendments"][0]["superseded"] == CANARY_FACT


def test_a_non_identifying_share_sends_only_the_redacted_text_and_refuses_known_names(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    (first,) = share_canary_case(school, ["police"])
    referral = school.packets.referral(first)
    concern_id = str(referral.concern_id)
    school.children.record_person(str(referral.child_id), "mother", "Mary Quixote", "DSL")

    def decide(facts: str) -> list[str]:
        return [
            str(r)
            for r in school.concerns.decide(
                concern_id,
                True,
                "Advice on threshold",
                "DSL",
                purpose="Anonymised consultation",
                to=["nspcc"],
                identifiable=False,
                redacted_facts=facts,
                redacted_opinion="The teacher thinks he is frightened of going home.",
                police_not_told_reason="The police were referred to already",
            ).referral_ids
        ]

    decisions = len(school.views.show_concern(concern_id, "DSL")["concern"]["decisions"])
    for leaky in ("Zebedee said it again", "His mother Mary was there", "UPN C123456789012"):
        with pytest.raises(PolicyRefusal, match="when: identifiable"):
            decide(leaky)
    shown = school.views.show_concern(concern_id, "DSL")["concern"]
    assert len(shown["decisions"]) == decisions, "a refused decision records nothing"
    (rid,) = decide("A primary pupil said an adult at home hits him at night.")
    sent = school.views.show_referral(rid, "DSL")["packet"]
    assert CANARY_FACT not in sent["text"] and "Quixote" not in sent["text"]
    facts = sent["document"]["content"]["facts"]
    assert facts == [
        {"text": "A primary pupil said an adult at home hits him at night.", "historical": False}
    ]
