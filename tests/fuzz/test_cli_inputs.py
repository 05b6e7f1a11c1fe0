"""The fuzzing harness through the command line: any `--facts`, `--by` or `--observed-at`
either records (exit 0) or exits 2 with one line naming the field, never a traceback, and the
store has not moved after a refusal."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.main import app as cli_app
from safeshare.settings import Settings
from safeshare.setup import initialise
from tests.fuzz.profiles import FUZZ
from tests.fuzz.strategies import moments, texts
from tests.support import FakeClock, copy_identity

NOW = FakeClock().now


@pytest.fixture(scope="module")
def data(identity_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("fuzz-cli") / "var"
    copy_identity(identity_template, folder)
    initialise(Settings(data=folder))
    old = os.environ.get("SAFESHARE_DATA")
    os.environ["SAFESHARE_DATA"] = str(folder)
    yield folder
    state.close()
    if old is None:
        os.environ.pop("SAFESHARE_DATA", None)
    else:
        os.environ["SAFESHARE_DATA"] = old


def _run(*args: str) -> tuple[int, str, str]:
    state.close()
    state.configure(None)
    done = CliRunner().invoke(cli_app, list(args))
    state.close()
    return done.exit_code, done.stdout, done.stderr


def _position(data: Path) -> int:
    import sqlite3

    with sqlite3.connect(data / "events.sqlite") as db:
        return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


@pytest.fixture(scope="module")
def child(data: Path) -> str:
    dob = (NOW - timedelta(days=3650)).date().isoformat()
    code, out, err = _run("child", "add", "--name", "Fuzz Child", "--dob", dob, "--json")
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
