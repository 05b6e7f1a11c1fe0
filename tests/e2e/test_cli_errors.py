"""How the command line fails: bad input names the field (exit 2); a bug is not "bad input" but
a one-line message with an error id (exit 3), its traceback in the data folder's error log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeshare.entrypoints.cli.main import app
from safeshare.services.children import ChildService


def test_a_bad_database_url_names_the_setting(identity_template: Path, tmp_path: Path) -> None:
    from harness.schools import copy_identity

    copy_identity(identity_template, tmp_path)
    env = {"SAFESHARE_DATA": str(tmp_path), "SAFESHARE_DATABASE_URL": "mysql://x@y/z"}
    done = CliRunner().invoke(app, ["worklist"], env=env)
    assert done.exit_code == 2
    assert "SAFESHARE_DATABASE_URL: must start with postgresql://" in done.output


def test_an_unexpected_error_exits_3_with_an_id_and_its_traceback_in_the_error_log(
    identity_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.schools import copy_identity

    data = tmp_path / "var"
    copy_identity(identity_template, data)
    runner = CliRunner()
    env = {"SAFESHARE_DATA": str(data)}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug, not the user's input")

    monkeypatch.setattr(ChildService, "register", broken)
    done = runner.invoke(
        app, ["child", "add", "--name", "Ada Example", "--dob", "2015-01-01", "--json"], env=env
    )
    assert done.exit_code == 3
    message = json.loads(done.stdout.splitlines()[0])["error"]
    assert message.startswith("unexpected error ") and "KeyError" in message
    error_id = message.split()[2]
    logged = [json.loads(line) for line in (data / "logs" / "errors.log").read_text().splitlines()]
    assert [e["error_id"] for e in logged] == [error_id]
    assert "a bug, not the user's input" in logged[0]["traceback"]
    assert "Ada Example" not in (data / "logs" / "errors.log").read_text()
    assert (data / "logs" / "errors.log").stat().st_mode & 0o777 == 0o600
