"""Whom a referral goes to, as one value: frozen on the referral at the decision, confirmed
when the agency's entry changes, and read back unchanged from events stored before the value
existed (stored events keep their flat fields)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from domain.directory import AgencyDirectory
from domain.errors import InvalidValue, PolicyRefusal
from domain.recipient import Recipient
from domain.referral import Referral

PEM = "-----BEGIN CERTIFICATE-----\nMIIBmash\n-----END CERTIFICATE-----\n"
MASH = Recipient(
    name="County MASH",
    channel="smtp",
    address="mash@county.example",
    certificate_pem=PEM,
    certificate_fingerprint="ab" * 32,
)


def a_referral() -> Referral:
    return Referral(
        concern_id=uuid4(),
        child_id=uuid4(),
        decision_no=1,
        agency_id="mash",
        agency_kind="mash",
        fields=["child-name"],
        urgent=False,
        identifiable=True,
    )


def mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder)


def as_the_old_code_stored_it(**recipient: Any) -> dict[str, Any]:
    """`RecipientFrozen`'s state as the code before `Recipient` wrote it: flat fields."""
    return {
        "timestamp": datetime(2026, 1, 5, 9, 30, tzinfo=UTC).isoformat(),
        **recipient,
        "frozen_by": "Mrs Dee <dee@school.test> (web)",
        "confirmed_change": False,
    }


OLD_FIELDS = {
    "name": "County MASH",
    "channel": "smtp",
    "address": "mash@county.example",
    "certificate_pem": PEM,
    "certificate_fingerprint": "ab" * 32,
}


@pytest.mark.parametrize(
    "stored",
    [
        {**OLD_FIELDS, "mail_certificate": True, "portal": None},
        OLD_FIELDS,  # stored before agencies could be reached only through a portal
    ],
    ids=["with-portal-fields", "before-portals"],
)
def test_a_recipient_frozen_before_the_value_existed_reads_the_same(stored: dict[str, Any]) -> None:
    referral = a_referral()
    referral.collect_events()
    state = json.dumps(as_the_old_code_stored_it(**stored)).encode()
    event = mapper().to_domain_event(
        StoredEvent(
            originator_id=referral.id,
            originator_version=2,
            topic="safeshare:referral:recipient-frozen",
            state=state,
        )
    )
    assert isinstance(event, Referral.RecipientFrozen)
    event.mutate(referral)
    assert referral.recipient == MASH
    assert referral.recipient.route == ("ab" * 32, "smtp", "mash@county.example", True, None)
    with pytest.raises(PolicyRefusal, match="has not changed since the decision"):
        referral.confirm_changed_recipient(MASH, "Mrs Dee")


def test_freezing_a_recipient_stores_the_same_flat_fields_as_before() -> None:
    referral = a_referral()
    referral.freeze_recipient(MASH, frozen_by="Mrs Dee <dee@school.test> (web)")
    frozen = referral.collect_events()[-1]
    stored = mapper().to_stored_event(frozen)
    assert stored.topic == "safeshare:referral:recipient-frozen"
    written = json.loads(stored.state)
    old = as_the_old_code_stored_it(**OLD_FIELDS, mail_certificate=True, portal=None)
    assert {k: v for k, v in written.items() if k != "timestamp"} == {
        k: v for k, v in old.items() if k != "timestamp"
    }


def test_a_changed_address_is_confirmed_once_and_recorded_as_a_confirmed_change() -> None:
    referral = a_referral()
    referral.freeze_recipient(MASH, frozen_by="Mrs Dee")
    moved = MASH.moved_to("smtp", "new-mash@county.example", True, None)
    referral.confirm_changed_recipient(moved, "Ms Patel")
    assert referral.recipient == moved
    events = [e for e in referral.collect_events() if isinstance(e, Referral.RecipientFrozen)]
    assert [(e.address, e.confirmed_change) for e in events] == [
        ("mash@county.example", False),
        ("new-mash@county.example", True),
    ]


def a_directory() -> AgencyDirectory:
    directory = AgencyDirectory()
    directory.add_agency("mash", "County MASH", "mash", "smtp", "mash@county.example", PEM, [], "t")
    return directory


def test_the_directory_replaces_a_certificate_and_changes_an_address_from_its_entry() -> None:
    directory = a_directory()
    current = directory.recipient("mash", "ab" * 32)
    assert current == MASH
    with pytest.raises(InvalidValue, match="already holds"):
        directory.replace_certificate("mash", current, current, "renewal", "Ms Patel")
    renewed = current.with_certificate(PEM.replace("mash", "new"), "cd" * 32)
    directory.replace_certificate("mash", current, renewed, "renewal", "Ms Patel")
    with pytest.raises(InvalidValue, match="changed meanwhile"):  # the old entry is stale
        directory.change_address("mash", current, current, "moved", "Ms Patel")
    now = directory.recipient("mash", "cd" * 32)
    with pytest.raises(InvalidValue, match="already holds"):
        directory.change_address("mash", now, now, "moved", "Ms Patel")
    directory.change_address(
        "mash", now, now.moved_to("https", "https://mash.example/in", True, None), "moved", "P"
    )
    replaced, changed = directory.collect_events()[-2:]
    assert isinstance(replaced, AgencyDirectory.CertificateReplaced)
    assert (replaced.old_fingerprint, replaced.new_fingerprint) == ("ab" * 32, "cd" * 32)
    assert isinstance(changed, AgencyDirectory.AddressChanged)
    assert (changed.old_channel, changed.old_address, changed.channel, changed.address) == (
        "smtp",
        "mash@county.example",
        "https",
        "https://mash.example/in",
    )
    assert directory.entry("mash")["certificate_pem"] == renewed.certificate_pem
