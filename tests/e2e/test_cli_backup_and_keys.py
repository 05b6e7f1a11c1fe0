"""The operator's commands as they are run (real processes): back up, erase, restore, rotate."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli_journeys import Cli, cli
from tests.e2e.test_cli_policy_commands import a_child_and_concern
from tests.support import FakeClock, born

__all__ = ["cli"]


def test_an_operator_backs_up_a_dsl_erases_and_the_restore_keeps_the_erasure(
    cli: Cli,
    tmp_path: Path,
) -> None:
    child, concern = a_child_and_concern(cli, born(FakeClock(), 10))
    folder = tmp_path / "backups" / "nightly"
    taken = cli.json("backup", str(folder), "--by", "night operator")
    assert taken["keys"] == 1 and (folder / "manifest.json").exists()
    again = cli.run("backup", str(folder))
    assert again.returncode == 2 and "already holds a backup" in again.stderr
    cli.json("child", "erase", child, "--reason", "retention-ended", "--by", "DSL")

    done = cli.json("restore", str(folder), "--by", "day operator")

    assert done["keys_withheld"] == 1 and done["erasures_recorded_again"] == [child]
    assert cli.json("concern", "show", concern)["concern"]["facts"] == "[erased]"
    assert cli.run("audit", "verify").returncode == 0
    trail = cli.json("audit", "trail", "--actor", "day operator")
    assert "custody restored" in [row["action"] for row in trail]


def test_each_key_is_rotated_from_the_command_line_and_the_record_still_reads_and_verifies(
    cli: Cli,
    tmp_path: Path,
) -> None:
    _, concern = a_child_and_concern(cli, born(FakeClock(), 10))
    for key in ("kek", "cipher", "signing", "audit"):
        done = cli.json("keys", "rotate", key, "--by", "operator")
        assert done["key"] == key
        assert cli.json("concern", "show", concern)["concern"]["facts"].startswith("Kai came")
    assert cli.run("audit", "verify").returncode == 0
    trail = cli.json("audit", "trail", "--actor", "operator")
    assert [row["action"] for row in trail].count("custody key-rotated") == 4
    bundle = tmp_path / "school-ca.pem"
    cli.json("keys", "export-certificate", "--out", str(bundle))
    assert bundle.read_text().count("BEGIN CERTIFICATE") == 2
    wrong = cli.run("keys", "rotate", "everything")
    assert wrong.returncode == 2 and "key: must be one of" in wrong.stderr
