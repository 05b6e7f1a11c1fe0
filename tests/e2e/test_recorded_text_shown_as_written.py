"""Finding 1 of the hardening issue: the record shows exactly what was written.

Text from a person is data, never console markup, HTML or a terminal instruction: brackets,
emoji codes, ANSI escapes, bidi overrides and zero-width characters are shown as written (or
visibly), and a "required" field of zero-width spaces is empty.
"""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.settings import Settings
from tests.e2e.test_cli_journeys import SAFESHARE, Cli
from tests.support import FakeClock, copy_identity

FACTS = "my dad [name withheld] hits me [sic] [/] [black on black]hidden[/] :child: x\u202eevil"
BY = "[/bold]T"


class WideCli(Cli):
    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SAFESHARE_DATA": str(self.data), "COLUMNS": "400"}
        return subprocess.run(
            [*SAFESHARE, *args], capture_output=True, text=True, env=env, timeout=120
        )


@pytest.fixture
def cli(identity_template: Path, tmp_path: Path) -> WideCli:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    c = WideCli(data)
    assert c.run("init").returncode == 0
    school = build(Settings(data=data))
    install_demo_agencies(school)  # what `safeshare demo` adds, without the demo's cases
    school.close()
    return c


def _yesterday() -> str:
    return (FakeClock().now - timedelta(days=1)).isoformat()


def _raise(cli: Cli, child: str, facts: str, by: str) -> subprocess.CompletedProcess[str]:
    return cli.run(
        "concern", "raise", "--child", child, "--category", "neglect", "--facts", facts,
        "--observed-at", _yesterday(), "--by", by,
    )  # fmt: skip


def test_case_text_with_brackets_and_emoji_codes_is_shown_exactly_as_written(
    cli: WideCli,
) -> None:
    child = cli.json("child", "add", "--name", "Amy [b]Bold[/b]", "--dob", "2014-02-03")["child_id"]
    done = _raise(cli, child, FACTS, BY)
    assert done.returncode == 0, done.stderr
    concern = done.stdout.split()[-1]

    shown = cli.run("concern", "show", concern)
    assert shown.returncode == 0, shown.stderr
    assert "my dad [name withheld] hits me [sic] [/] [black on black]hidden[/] :child:" in (
        shown.stdout
    )
    assert "Amy [b]Bold[/b]" in shown.stdout
    assert BY in shown.stdout
    assert "x⟨U+202E⟩evil" in shown.stdout
    assert "\u202e" not in shown.stdout

    trail = cli.run("audit", "trail")
    assert trail.returncode == 0, trail.stderr
    assert BY in trail.stdout

    chronology = cli.run("chronology", child)
    assert chronology.returncode == 0, chronology.stderr
    assert "[name withheld]" in chronology.stdout


def test_after_erasure_the_case_shows_the_word_erased(cli: WideCli) -> None:
    child = cli.json("child", "add", "--name", "Eli Ray", "--dob", "2013-05-06")["child_id"]
    concern = _raise(cli, child, "Seen crying at the gate.", "Ms Green").stdout.split()[-1]
    assert (
        cli.run("child", "erase", child, "--reason", "retention-ended", "--by", "DSL").returncode
        == 0
    )
    shown = cli.run("concern", "show", concern)
    assert shown.returncode == 0, shown.stderr
    assert "FACT: [erased]" in shown.stdout


def test_terminal_escapes_in_case_text_are_refused_naming_the_field(cli: WideCli) -> None:
    child = cli.json("child", "add", "--name", "Fin Lo", "--dob", "2013-05-06")["child_id"]
    before = cli.position()
    done = _raise(cli, child, "hello \x1b[31mred\x1b[0m", "Ms Green")
    assert done.returncode == 2
    assert "facts" in done.stderr and "U+001B" in done.stderr
    assert cli.position() == before


def test_a_required_field_of_zero_width_spaces_is_empty(cli: WideCli) -> None:
    child = cli.json("child", "add", "--name", "Gus Ma", "--dob", "2013-05-06")["child_id"]
    before = cli.position()
    done = _raise(cli, child, "\u200b\u200b", "Ms Green")
    assert done.returncode == 2
    assert "facts: is required" in done.stderr
    assert cli.position() == before


def test_an_error_message_is_shown_as_written_not_as_emoji(cli: WideCli) -> None:
    done = cli.run("concern", "show", ":child:")
    assert done.returncode == 2
    assert ":child:" in done.stderr
