"""The packet document: minimised, deterministic, facts and opinion apart."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from domain.packet_fields import PacketField
from sharing.errors import InadequatePacket, InvalidPacketContent
from sharing.examples import example_packet_content
from sharing.packet import SCHEMA, build_packet, packet_text, parse_packet
from sharing.profiles import default_profile


def test_the_same_content_always_builds_the_same_bytes() -> None:
    content = example_packet_content()

    first = build_packet(content, default_profile("mash"))

    assert build_packet(content, default_profile("mash")) == first


def test_the_envelope_is_always_present_even_in_the_smallest_packet() -> None:
    document = parse_packet(
        build_packet(example_packet_content(urgent=False), frozenset({PacketField.FACTS}))
    )

    assert document["schema"] == SCHEMA
    assert set(document) == {
        "schema",
        "packet_id",
        "referral_id",
        "recipient_id",
        "recipient_name",
        "school",
        "issued_at",
        "urgency",
        "purpose",
        "content",
    }
    assert document["urgency"] == "routine"
    assert set(document["content"]) == {"facts"}


def test_the_text_part_shows_nothing_the_json_part_does_not_carry() -> None:
    content = example_packet_content()

    text = packet_text(build_packet(content, frozenset({PacketField.FACTS})))

    assert content.child.name is not None and content.child.name not in text
    assert content.opinion is not None and content.opinion not in text
    assert content.facts[0].text in text


def test_a_packet_with_no_facts_recorded_is_refused_as_inadequate() -> None:
    content = dataclasses.replace(example_packet_content(), facts=())

    with pytest.raises(InadequatePacket):
        build_packet(content, default_profile("mash"))


def test_a_packet_issued_at_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidPacketContent):
        example_packet_content(issued_at=datetime(2025, 3, 4, 10, 15))
