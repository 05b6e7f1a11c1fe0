"""Finding 5 of the hardening issue: another local user reads nothing of the data folder, and no
free text about an erased child survives on the child's record."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from tests.e2e.test_recorded_text_shown_as_written import WideCli, cli
from tests.support import FakeClock

__all__ = ["cli"]


def _modes(data: Path) -> dict[str, int]:
    return {
        str(p.relative_to(data)): stat.S_IMODE(p.lstat().st_mode)
        for p in [data, *data.rglob("*")]
        if not p.is_symlink()
    }


def test_the_data_folder_its_keys_stores_and_reports_are_readable_by_the_service_only(
    cli: WideCli, tmp_path: Path
) -> None:
    child = cli.json("child", "add", "--name", "Ida Moss", "--dob", "2014-02-03")["child_id"]
    observed = (FakeClock().now - timedelta(hours=1)).isoformat()
    raised = cli.run(
        "concern", "raise", "--child", child, "--category", "neglect", "--facts", "Hungry.",
        "--observed-at", observed, "--by", "Ms Green",
    )  # fmt: skip
    assert raised.returncode == 0, raised.stderr
    today = FakeClock().now.date()
    assert cli.run("worklist").returncode == 0
    report = cli.run(
        "report", "timeliness", "--from", (today - timedelta(days=30)).isoformat(),
        "--to", today.isoformat(), "--format", "html",
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert cli.run("audit", "export", str(cli.data / "bundle")).returncode == 0

    modes = _modes(cli.data)
    folders = {k: m for k, m in modes.items() if (cli.data / k).is_dir()}
    files = {k: m for k, m in modes.items() if not (cli.data / k).is_dir()}
    assert folders["."] == 0o700 and folders["keys"] == 0o700
    assert {k for k, m in folders.items() if m & 0o077} == set()
    assert "projections.sqlite" in files and any(k.startswith("reports/") for k in files)
    assert {k for k, m in files.items() if m & 0o077} == set()


def test_an_erasure_reason_is_a_code_so_no_free_text_names_the_child(cli: WideCli) -> None:
    child = cli.json("child", "add", "--name", "Jo Quill", "--dob", "2014-02-03")["child_id"]
    before = cli.position()
    done = cli.run(
        "child", "erase", child, "--reason", "Retention ended for Jo Quill", "--by", "DSL"
    )
    assert done.returncode == 2 and "reason" in done.stderr
    assert cli.position() == before
    done = cli.run("child", "erase", child, "--reason", "retention-ended", "--by", "DSL")
    assert done.returncode == 0, done.stderr


def test_staff_names_in_the_projection_store_are_sealed_and_still_answer_who_did_what(
    cli: WideCli,
) -> None:
    child = cli.json("child", "add", "--name", "Kim Vale", "--dob", "2014-02-03", "--by",
                     "Mrs Quintessa Hartley")["child_id"]  # fmt: skip
    trail = cli.json("audit", "trail", "--actor", "Mrs Quintessa Hartley")
    assert [row["actor"] for row in trail] == ["Mrs Quintessa Hartley"]
    assert trail[0]["child_id"] == child
    stored = b"".join(p.read_bytes() for p in cli.data.glob("projections.sqlite*"))
    assert stored and b"Quintessa" not in stored
