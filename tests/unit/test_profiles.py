"""What each kind of agency receives, and how a share narrows or widens it."""

from __future__ import annotations

import pytest

from domain.codes import AgencyKind
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from sharing.errors import FieldOutsideProfile, InadequatePacket
from sharing.profiles import (
    DEFAULT_PROFILES,
    MASH_PROFILE,
    NSPCC_PROFILE,
    POLICE_PROFILE,
    SCHOOL_PROFILE,
    default_profile,
    resolve_fields,
)

F = PacketField


def test_every_agency_kind_has_a_default_profile() -> None:
    assert set(DEFAULT_PROFILES) == set(AgencyKind)


@pytest.mark.parametrize("kind", list(AgencyKind))
def test_every_default_profile_is_adequate_because_it_carries_the_facts(kind: AgencyKind) -> None:
    assert F.FACTS in default_profile(kind)
    assert F.CATEGORY in default_profile(kind)


def test_police_profile_carries_no_upn_and_no_nhs_number() -> None:
    assert F.CHILD_UPN not in POLICE_PROFILE
    assert F.CHILD_NHS_NUMBER not in POLICE_PROFILE
    assert {F.CHILD_NAME, F.CHILD_ADDRESS, F.RISK} <= POLICE_PROFILE


def test_a_child_protection_file_transfer_to_a_school_carries_everything_with_the_chronology() -> (
    None
):
    assert frozenset(PacketField) - {F.ALLEGATION} == SCHOOL_PROFILE
    assert F.CHRONOLOGY in default_profile("school")


def test_only_the_lado_receives_an_allegation_against_staff() -> None:
    assert [k for k in AgencyKind if F.ALLEGATION in default_profile(k)] == [AgencyKind.LADO]


def test_nspcc_receives_less_than_the_mash() -> None:
    assert NSPCC_PROFILE < MASH_PROFILE


def test_no_default_profile_but_the_school_transfer_carries_the_chronology() -> None:
    carrying = {kind for kind, profile in DEFAULT_PROFILES.items() if F.CHRONOLOGY in profile}
    assert carrying == {AgencyKind.SCHOOL}


def test_an_unknown_agency_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        default_profile("newspaper")


def test_no_request_means_the_recipients_profile() -> None:
    assert resolve_fields(POLICE_PROFILE, None, None, identifiable=True) == POLICE_PROFILE


def test_a_share_can_be_narrowed_within_the_profile() -> None:
    requested = {F.CATEGORY, F.FACTS, F.RISK}

    assert resolve_fields(POLICE_PROFILE, requested, None, identifiable=True) == requested


def test_a_field_outside_the_profile_is_refused_quoting_the_policy() -> None:
    with pytest.raises(FieldOutsideProfile) as refused:
        resolve_fields(POLICE_PROFILE, POLICE_PROFILE | {F.CHILD_UPN}, None, identifiable=True)

    assert refused.value.fields == frozenset({"child-upn"})
    assert "child-upn" in str(refused.value)
    assert (
        "Only information that is relevant to the purposes should be shared with those who "
        "need it." in str(refused.value)
    )


def test_a_blank_widening_reason_does_not_widen() -> None:
    with pytest.raises(FieldOutsideProfile):
        resolve_fields(POLICE_PROFILE, {F.FACTS, F.CHILD_UPN}, "   ", identifiable=True)


def test_a_field_outside_the_profile_is_shared_when_a_widening_reason_is_given() -> None:
    fields = resolve_fields(
        POLICE_PROFILE,
        POLICE_PROFILE | {F.CHILD_NHS_NUMBER},
        "Police asked to match a hospital attendance.",
        identifiable=True,
    )

    assert F.CHILD_NHS_NUMBER in fields


def test_a_share_decided_because_the_child_is_not_identifiable_drops_every_identifying_field() -> (
    None
):
    fields = resolve_fields(SCHOOL_PROFILE, None, None, identifiable=False)

    assert fields.isdisjoint(IDENTIFYING_FIELDS)
    assert fields == SCHOOL_PROFILE - IDENTIFYING_FIELDS


def test_identifying_fields_are_dropped_even_when_widened_on_purpose() -> None:
    fields = resolve_fields(
        NSPCC_PROFILE, NSPCC_PROFILE | {F.CHILD_UPN}, "asked for it", identifiable=False
    )

    assert fields.isdisjoint(IDENTIFYING_FIELDS)


def test_a_share_without_the_facts_is_refused_as_inadequate() -> None:
    with pytest.raises(InadequatePacket) as refused:
        resolve_fields(MASH_PROFILE, {F.CHILD_NAME, F.CATEGORY}, None, identifiable=True)

    assert "Information should be adequate for its purpose." in str(refused.value)
