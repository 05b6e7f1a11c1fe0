"""Finding 8 on the command line: no traceback for odd input, a field named, and a concurrent
change is its own exit code (4), never a raw database error."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest

from tests.e2e.test_cli_journeys import SAFESHARE
from tests.e2e.test_recorded_text_shown_as_written import WideCli, cli
from tests.support import FakeClock

__all__ = ["cli"]


def test_invalid_utf8_in_an_argument_names_the_field(cli: WideCli) -> None:
    env = {**os.environ, "SAFESHARE_DATA": str(cli.data)}
    args = [os.fsencode(a) for a in SAFESHARE] + [
        b"child", b"add", b"--name", b"Ann \xff\xfe", b"--dob", b"2014-02-03",
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, env=env, timeout=120)
    assert done.returncode == 2
    assert b"name: is not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["audit", "trail", "--limit", "99999999999999999999999"], "--limit"),
        (["projections", "follow", "--poll", "-1"], "poll"),
        (["projections", "follow", "--poll", "nan"], "poll"),
        (["report", "timeliness", "--from", "2000-01-01", "--to", "9999-12-31"], "to"),
        (["report", "timeliness", "--from", "0001-01-01", "--to", "2000-01-01"], "from"),
    ],
)
def test_out_of_range_numbers_and_dates_exit_2_naming_the_option(
    cli: WideCli, args: list[str], field: str
) -> None:
    done = cli.run(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert field in done.stderr and "Traceback" not in done.stderr


def test_concurrent_decisions_on_one_concern_each_succeed_or_say_look_again(
    cli: WideCli,
) -> None:
    child = cli.json("child", "add", "--name", "Dee Ray", "--dob", "2014-02-03")["child_id"]
    observed = (FakeClock().now - timedelta(hours=1)).isoformat()
    concern = cli.json(
        "concern", "raise", "--child", child, "--category", "neglect", "--facts", "Hungry.",
        "--observed-at", observed, "--by", "Ms Green",
    )["concern_id"]  # fmt: skip
    cli.json("concern", "consent", concern, "--status", "not-sought", "--reason", "risk-to-child",
             "--by", "DSL")  # fmt: skip
    cli.json("concern", "basis", concern, "--article6", "public-task", "--article9",
             "safeguarding", "--justification", "Risk", "--by", "DSL")  # fmt: skip
    env = {**os.environ, "SAFESHARE_DATA": str(cli.data)}
    command = [
        *SAFESHARE, "concern", "decide", concern, "--share", "--to", "mash",
        "--purpose", "Assessment", "--reasons", "Neglect", "--by", "DSL", "--json",
    ]  # fmt: skip
    running = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(12)
    ]
    results = [
        (p.wait(120), p.stdout.read(), p.stderr.read()) for p in running if p.stdout and p.stderr
    ]
    codes = sorted(code for code, _, _ in results)
    assert set(codes) <= {0, 4}, results
    assert codes.count(0) >= 1
    for code, _, err in results:
        assert b"Traceback" not in err
        if code == 4:
            assert b"the case changed while you were deciding; look again" in err
    shown = cli.json("concern", "show", concern)
    assert len(shown["referrals"]) == codes.count(0)
