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


CHILD = "Ida Quorndon-Moss"
RAISER = "Mrs Quintessa Hartley"
ADVISER = "Dr Ophelia Wrenfield"
DSL = "Mr Bartholomew Ashgrove"
CLOSED = f"Closed: {CHILD} moved to her aunt's"
RETENTION = f"Retention ended for {CHILD}"
REMOVED = f"{CHILD}'s uncle Lysander moved out"


def _stores(data: Path) -> bytes:
    """The raw bytes of every SQLite file in the data folder (with WAL and journal files)."""
    files = [p for p in data.rglob("*") if p.is_file() and ".sqlite" in p.name]
    assert any(p.name == "projections.sqlite" for p in files)
    return b"".join(p.read_bytes() for p in files)


def test_no_name_or_free_text_about_a_child_is_plain_in_any_store_after_a_case_is_erased(
    cli: WideCli,
) -> None:
    """The projection store holds ids, codes, times and sealed values only; the free text on a
    child's record (who advised, why a concern closed, why a file was kept or erased, why a
    person was removed) is sealed with the child's key, and none of it is plain anywhere."""
    child = cli.json("child", "add", "--name", CHILD, "--dob", "2014-02-03", "--by", DSL)[
        "child_id"
    ]
    person = cli.json(
        "child", "person-add", child, "--relationship", "grandparent", "--name", "Lysander",
        "--by", DSL,
    )  # fmt: skip
    person_id = str(person.get("person_id"))
    removed = cli.run("child", "person-remove", child, person_id, "--reason", REMOVED, "--by", DSL)
    assert removed.returncode == 0, removed.stderr
    observed = (FakeClock().now - timedelta(hours=1)).isoformat()
    concern = cli.json(
        "concern", "raise", "--child", child, "--category", "neglect", "--facts", "Hungry.",
        "--observed-at", observed, "--by", RAISER,
    )["concern_id"]  # fmt: skip
    done = cli.run(
        "concern", "advice", concern, "--from", ADVISER, "--question", "Refer?", "--by", DSL
    )
    assert done.returncode == 0, done.stderr
    shown = cli.json("concern", "show", concern)
    assert [a["from"] for a in shown["concern"]["advice"]] == [ADVISER]
    assert ADVISER in cli.run("chronology", child).stdout
    assert cli.run("concern", "close", concern, "--reason", CLOSED, "--by", DSL).returncode == 0
    assert cli.run("worklist").returncode == 0
    assert cli.run("audit", "trail", "--record", child).returncode == 0
    stored = _stores(cli.data)
    for plain in (CHILD, "Quorndon", RAISER, "Quintessa", ADVISER, "Wrenfield", DSL, CLOSED,
                  REMOVED, "Lysander"):  # fmt: skip
        assert plain.encode() not in stored, plain

    erased = cli.run(
        "retention", "review", child, "--outcome", "erase", "--reason", RETENTION, "--by", DSL
    )
    assert erased.returncode == 0, erased.stderr
    assert cli.run("audit", "trail", "--record", child).returncode == 0
    assert RETENTION.encode() not in _stores(cli.data)
    assert "Wrenfield" not in cli.run("chronology", child).stdout
    after = cli.json("concern", "show", concern)
    assert [a["from"] for a in after["concern"]["advice"]] == ["[erased]"]
