"""The fuzzing harness through the command line: any `--facts`, `--by` or `--observed-at`
either records (exit 0) or exits 2 with one line naming the field, never a traceback, and the
store has not moved after a refusal."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from safeshare.entrypoints.cli.main import app as cli_app
from safeshare.entrypoints.initialise import initialise
from safeshare.settings import Settings
from tests.fuzz.profiles import FUZZ
from tests.fuzz.strategies import moments, texts
from tests.support import FakeClock, copy_identity

NOW = FakeClock().now


@pytest.fixture(scope="module")
def data(identity_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-cli") / "var"
    copy_identity(identity_template, folder)
    initialise(Settings(data=folder), FakeClock())
    return folder


def _run(data: Path, *args: str) -> tuple[int, str, str]:
    """One invocation, as a person runs it (each builds and closes its own session)."""
    done = CliRunner().invoke(cli_app, list(args), env={"SAFESHARE_DATA": str(data)})
    return done.exit_code, done.stdout, done.stderr


def _position(data: Path) -> int:
    import sqlite3

    with sqlite3.connect(data / "events.sqlite") as db:
        return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


@pytest.fixture(scope="module")
def child(data: Path) -> str:
    dob = (NOW - timedelta(days=3650)).date().isoformat()
    code, out, err = _run(data, "child", "add", "--name", "Fuzz Child", "--dob", dob, "--json")
    assert code == 0, err
    return str(json.loads(out)["child_id"])


@FUZZ
@given(facts=texts, by=texts, data_=st.data())
def test_the_command_line_records_or_exits_2_naming_the_field(
    data: Path, child: str, facts: str, by: str, data_: st.DataObject
) -> None:
    observed = data_.draw(moments(NOW))
    before = _position(data)
    code, _, err = _run(
        data,
        "concern", "raise", "--child", child, "--category", "neglect", "--facts", facts,
        "--observed-at", observed, "--by", by, "--json",
    )  # fmt: skip
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        last = err.strip().splitlines()[-1]
        assert last.split(":")[0] in {"error", "Error"}
        assert any(f in last for f in ("facts", "by", "observed-at")), last
        assert _position(data) == before
