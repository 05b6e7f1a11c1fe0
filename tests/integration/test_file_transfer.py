"""The file follows the child (KCSIE: "within 5 days for an in-year transfer"): a second school
running safeshare imports the transfer packet (the sender's signature verified, opened with its
own key), the child's record appears "transferred from <school>", a signed receipt goes back,
and the sending school records it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.errors import PolicyRefusal
from projections.standards import Standards, Step
from projections.timeliness import Timeliness, steps
from projections.workdays import Calendar
from safeshare.adapters.cms_verify import SignatureNotVerified
from safeshare.bootstrap import build
from safeshare.entrypoints.initialise import initialise
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.support import FakeClock


@pytest.fixture
def new_school(tmp_path: Path, clock: FakeClock) -> Iterator[Safeshare]:
    """A second school with its own keys and signing identity (a second data folder)."""
    settings = Settings(data=tmp_path / "new-school", school_name="Elmfield School")
    initialise(settings, clock)
    s = build(settings, clock=clock)
    try:
        yield s
    finally:
        s.close()


def transfer_case(school: Safeshare, new_school: Safeshare, tmp_path: Path) -> tuple[str, Path]:
    """The first school adds the new school as a `school` agency and shares the file."""
    now = school.ctx.clock()
    cert = new_school.transfers.transfer_certificate().decode()
    school.agencies.add(
        "elmfield", "Elmfield School", "school", "smtp", "dsl@elm.example", cert, "DSL"
    )
    child = str(
        school.children.register(
            "Tara Moving", (now - timedelta(days=3000)).date().isoformat(), by="Office"
        )
    )
    school.children.record_person(
        child, "mother", "Una Moving", "DSL", parental_responsibility=True, lives_with_child=True
    )
    earlier = school.concerns.raise_concern(
        child, "neglect", "Came in without lunch.", (now - timedelta(days=40)).isoformat(), "T"
    )
    assert earlier
    concern = str(
        school.concerns.raise_concern(
            child,
            "emotional-abuse",
            "Tara is withdrawn.",
            (now - timedelta(days=2)).isoformat(),
            "T",
        )
    )
    school.concerns.record_consent(concern, "given", "DSL", from_whom="parent")
    [rid] = school.concerns.decide(
        concern, True, "Moving school", "DSL", purpose="CP file transfer", to=["elmfield"]
    ).referral_ids
    packet = tmp_path / "transfer.p7m"
    school.packets.export(str(rid), packet, "DSL")
    return str(rid), packet


def test_a_transfer_is_imported_by_the_new_school_and_its_receipt_recorded_at_the_first(
    sqlite_school: Safeshare, new_school: Safeshare, clock: FakeClock, tmp_path: Path
) -> None:
    school = sqlite_school
    rid, packet = transfer_case(school, new_school, tmp_path)
    assert transfer_steps(school) == [(False, False)], "open until the receipt comes back"
    sender_ca = tmp_path / "oaklands-ca.pem"
    sender_ca.write_bytes(school.packets.school.ca_pem())
    receipt = tmp_path / "receipt.p7s"
    done = new_school.transfers.import_packet(packet, sender_ca, "Elm DSL", receipt)
    assert done.from_school == school.settings.school_name
    assert done.content_sha256 == school.packets.referral(rid).content_sha256
    people = new_school.children.people(done.child_id)
    assert [(p.name, p.relationship, p.parental_responsibility) for p in people] == [
        ("Una Moving", "mother", True)
    ]
    shown = new_school.views.show_concern(done.concern_ids[0], "Elm DSL")["concern"]
    assert shown["transferred_from"] == school.settings.school_name
    assert shown["facts"] == "Tara is withdrawn." and shown["category"] == "emotional-abuse"
    assert len(done.concern_ids) == 2, "the chronology came too"
    with pytest.raises(PolicyRefusal, match="already been imported"):
        new_school.transfers.import_packet(packet, sender_ca, "Elm DSL", tmp_path / "r2.p7s")

    receiver_ca = tmp_path / "elmfield-ca.pem"
    receiver_ca.write_bytes(new_school.packets.school.ca_pem())
    recorded = school.transfers.record_receipt(receipt, receiver_ca, "DSL")
    assert recorded["receiving_school"] == "Elmfield School"
    assert school.packets.referral(rid).receipt_at is not None
    assert transfer_steps(school) == [(True, False)], "the 5-school-day measure closed on it"


def transfer_steps(s: Safeshare) -> list[tuple[bool, bool]]:
    """The file-transfer steps as the timeliness projection holds them: (closed, breached)."""
    ps.catch_up(s)
    r = ps.runner(s, "timeliness")
    assert isinstance(r.projection, Timeliness)
    with r.db.transaction() as tx:
        results = steps(r.projection.states(tx), Standards(), Calendar())
    return [(x.end is not None, x.breached) for x in results if x.step is Step.TRANSFER]


def test_a_packet_signed_by_another_school_is_not_imported(
    sqlite_school: Safeshare, new_school: Safeshare, clock: FakeClock, tmp_path: Path
) -> None:
    _, packet = transfer_case(sqlite_school, new_school, tmp_path)
    wrong_ca = tmp_path / "elmfield-ca.pem"
    wrong_ca.write_bytes(new_school.packets.school.ca_pem())
    with pytest.raises(SignatureNotVerified):
        new_school.transfers.import_packet(packet, wrong_ca, "Elm DSL", tmp_path / "r.p7s")
    assert not (tmp_path / "r.p7s").exists()
