"""Finding 1 of the hardening issue, below the terminal: recorded text in HTML reports and in
referral packets is shown exactly as written, with acting characters made visible."""

from __future__ import annotations

import dataclasses

import jinja2

from domain.packet_fields import PacketField
from domain.visible_text import is_blank, visible
from safeshare.display import for_console, html_environment
from sharing.examples import example_packet_content
from sharing.packet import build_packet, packet_text, parse_packet


def test_acting_characters_are_shown_visibly_and_ordinary_text_is_untouched() -> None:
    assert visible("Bruise on forearm; said “Dad” did it.\nSecond line") == (
        "Bruise on forearm; said “Dad” did it.\nSecond line"
    )
    assert visible("a\x1b[31mred") == "a␛[31mred"
    assert visible("x\u202eevil") == "x⟨U+202E⟩evil"
    assert visible("zero\u200bwidth") == "zero⟨U+200B⟩width"


def test_zero_width_only_text_is_blank_and_a_word_is_not() -> None:
    assert is_blank("\u200b\u200b \u2060")
    assert not is_blank("\u200bno")


def test_console_markup_in_recorded_text_is_escaped() -> None:
    from rich.console import Console

    console = Console(width=200, emoji=False, record=True)
    console.print(for_console("my dad [name withheld] hits me [/] [black on black]x :child:"))
    assert (
        console.export_text().strip()
        == "my dad [name withheld] hits me [/] [black on black]x :child:"
    )


def test_an_html_report_shows_recorded_text_as_text_never_as_markup() -> None:
    env = html_environment(jinja2.DictLoader({"t.html": "<p>{{ text }}</p>"}))
    html = env.get_template("t.html").render(text="<script>x</script>\u202eevil")
    assert html == "<p>&lt;script&gt;x&lt;/script&gt;⟨U+202E⟩evil</p>"


def test_a_packets_text_part_shows_a_bidi_override_visibly_and_its_json_keeps_it_exactly() -> None:
    content = example_packet_content()
    fact = dataclasses.replace(content.facts[0], text="He said \u202eevil")
    content = dataclasses.replace(content, facts=(fact, *content.facts[1:]))
    packet = build_packet(content, frozenset({PacketField.FACTS}))
    assert "He said ⟨U+202E⟩evil" in packet_text(packet)
    assert "\u202e" not in packet_text(packet)
    assert parse_packet(packet)["content"]["facts"][0]["text"] == "He said \u202eevil"
