"""Finding 2 of the hardening issue: a referral already decided is never re-pointed.

The recipient's certificate and address are frozen on each referral when the DSL decides; the
packet is sealed and sent only to those. Changing an agency's certificate or address is its own
recorded command, and a changed entry moves a decided referral only when the DSL confirms it
for that referral (a recorded event) or decides again.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from domain.errors import InvalidValue, PolicyRefusal
from domain.referral import Referral
from safeshare.services.school import Safeshare
from sharing.packet import parse_packet
from sharing.pki import certificate_fingerprint
from tests.integration.hardening_support import share_a_case
from tests.integration.test_referral_packet import open_as_agency
from tests.support import FakeClock


def _other_certificate(school: Safeshare) -> str:
    return (school.settings.data / "agencies" / "nspcc" / "agency-cert.pem").read_text()


def test_a_referral_decided_before_the_police_certificate_changed_is_sealed_to_the_decided_one(
    sqlite_school: Safeshare, clock: FakeClock, tmp_path: Path
) -> None:
    school = sqlite_school
    decided_pem = str(school.agencies.get("police")["certificate_pem"])
    (referral,) = share_a_case(school, clock, ["police"])
    old, new = school.agencies.replace_certificate(
        "police", _other_certificate(school), "new certificate from the force", "DSL"
    )
    assert old == certificate_fingerprint(decided_pem.encode()) and new != old

    out = tmp_path / "referral.p7m"
    school.packets.export(referral, out, "DSL")
    document = parse_packet(open_as_agency(school, "police", out, tmp_path))
    assert document["referral_id"] == referral
    frozen = school.packets.referral(referral).recipient
    assert frozen is not None and frozen.certificate_fingerprint == old


def test_a_changed_address_never_moves_a_decided_referral_until_the_dsl_confirms_it(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    school = sqlite_school
    decided = str(school.agencies.get("mash")["address"])
    (referral,) = share_a_case(school, clock, ["mash"])
    school.agencies.change_address("mash", "smtp", "new-mash@county.example", "moved", "DSL")

    ready = school.packets.seal(school.packets.referral(referral))
    assert ready.agency["address"] == decided
    assert school.packets.recipient_changed(school.packets.referral(referral))

    school.packets.confirm_recipient(referral, "DSL Ms Patel")
    ready = school.packets.seal(school.packets.referral(referral))
    assert ready.agency["address"] == "new-mash@county.example"
    frozen_events = [
        e for e in school.app.events.get(UUID(referral)) if isinstance(e, Referral.RecipientFrozen)
    ]
    assert [e.confirmed_change for e in frozen_events] == [False, True]
    assert frozen_events[-1].frozen_by == "DSL Ms Patel"
    with pytest.raises(PolicyRefusal, match="has not changed"):
        school.packets.confirm_recipient(referral, "DSL")


def test_adding_an_agency_whose_id_is_in_the_directory_is_refused(
    sqlite_school: Safeshare,
) -> None:
    police = sqlite_school.agencies.get("police")
    with pytest.raises(InvalidValue, match="already in the directory") as refused:
        sqlite_school.agencies.add(
            "police", "Other Police", "police", "smtp", "other@police.example",
            _other_certificate(sqlite_school), "DSL",
        )  # fmt: skip
    assert refused.value.field == "id"
    assert sqlite_school.agencies.get("police") == police


def test_agency_history_shows_the_old_and_new_certificate_fingerprints(
    sqlite_school: Safeshare,
) -> None:
    school = sqlite_school
    old, new = school.agencies.replace_certificate(
        "police", _other_certificate(school), "renewal", "Ms Patel"
    )
    row = school.agencies.history()[-1]
    assert row["change"] == "certificate replaced" and row["by"] == "Ms Patel"
    assert (row["old_fingerprint"], row["new_fingerprint"]) == (old, new)
    assert old in row["detail"] and new in row["detail"]
