"""Finding 3 on the command line: `--out` refuses the keys folder and existing files (exit 2,
naming the option) and replaces a file only with `--force`."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_recorded_text_shown_as_written import WideCli, cli

__all__ = ["cli"]


def test_exporting_the_certificate_over_the_key_encryption_key_is_refused(
    cli: WideCli, tmp_path: Path
) -> None:
    kek = cli.data / "keys" / "kek.key"
    before = kek.read_bytes()
    done = cli.run("keys", "export-certificate", "--out", str(kek), "--force")
    assert done.returncode == 2
    assert "out:" in done.stderr and "keys" in done.stderr
    assert kek.read_bytes() == before


def test_an_existing_output_file_needs_force(cli: WideCli, tmp_path: Path) -> None:
    out = tmp_path / "school-ca.pem"
    out.write_text("mine")
    done = cli.run("keys", "export-certificate", "--out", str(out))
    assert done.returncode == 2 and "--force" in done.stderr
    assert out.read_text() == "mine"
    assert cli.run("keys", "export-certificate", "--out", str(out), "--force").returncode == 0
    assert out.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_an_audit_export_into_a_folder_that_is_not_empty_is_refused(
    cli: WideCli, tmp_path: Path
) -> None:
    full = tmp_path / "bundle"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    done = cli.run("audit", "export", str(full))
    assert done.returncode == 2 and "directory:" in done.stderr and "not empty" in done.stderr
