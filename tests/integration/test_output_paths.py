"""Finding 3 of the hardening issue: `--out` never destroys anything.

A packet written with `referral packet R --out <data>/keys/kek.key` once replaced the
key-encryption key and lost every child's data. Outputs never overwrite without `--force`, never
follow a symbolic link, never go among the keys, and are readable by their owner only.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from domain.errors import InvalidValue
from safeshare.adapters.safe_output import OutputGuard
from safeshare.services.school import Safeshare
from tests.integration.hardening_support import share_a_case
from tests.support import FakeClock


@pytest.fixture
def referral(sqlite_school: Safeshare, clock: FakeClock) -> str:
    (referral,) = share_a_case(sqlite_school, clock, ["police"])
    return referral


def test_a_packet_never_replaces_the_key_encryption_key(
    sqlite_school: Safeshare, referral: str
) -> None:
    kek = sqlite_school.settings.kek_path
    before = kek.read_bytes()
    with pytest.raises(InvalidValue) as refused:
        sqlite_school.packets.export(referral, kek, "DSL", force=True)
    assert refused.value.field == "out" and "keys" in str(refused.value)
    assert kek.read_bytes() == before
    assert sqlite_school.packets.referral(referral).packet_sha256 is None


def test_a_packet_never_lands_anywhere_in_the_keys_folder(
    sqlite_school: Safeshare, referral: str
) -> None:
    target = sqlite_school.settings.keys_dir / "new.p7m"
    with pytest.raises(InvalidValue, match="keys"):
        sqlite_school.packets.export(referral, target, "DSL")
    assert not target.exists()


def test_an_existing_file_is_kept_unless_the_dsl_says_force(
    sqlite_school: Safeshare, referral: str, tmp_path: Path
) -> None:
    out = tmp_path / "referral.p7m"
    out.write_bytes(b"the DSL's earlier file")
    with pytest.raises(InvalidValue, match="--force"):
        sqlite_school.packets.export(referral, out, "DSL")
    assert out.read_bytes() == b"the DSL's earlier file"
    sqlite_school.packets.export(referral, out, "DSL", force=True)
    assert out.read_bytes() != b"the DSL's earlier file"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_symbolic_link_is_never_followed_even_with_force(
    sqlite_school: Safeshare, referral: str, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    link = tmp_path / "out.p7m"
    link.symlink_to(victim)
    for force in (False, True):
        with pytest.raises(InvalidValue, match="symbolic link"):
            sqlite_school.packets.export(referral, link, "DSL", force=force)
    assert victim.read_bytes() == b"precious"


def test_a_symbolic_link_into_the_keys_folder_is_refused(
    sqlite_school: Safeshare, referral: str, tmp_path: Path
) -> None:
    into_keys = tmp_path / "innocent"
    into_keys.symlink_to(sqlite_school.settings.keys_dir)
    with pytest.raises(InvalidValue, match="keys"):
        sqlite_school.packets.export(referral, into_keys / "kek.key", "DSL", force=True)


def test_a_new_packet_is_readable_by_its_owner_only(
    sqlite_school: Safeshare, referral: str, tmp_path: Path
) -> None:
    out = tmp_path / "referral.p7m"
    sqlite_school.packets.export(referral, out, "DSL")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_missing_folder_is_a_clear_error_naming_the_option(
    sqlite_school: Safeshare, referral: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidValue, match="does not exist") as refused:
        sqlite_school.packets.export(referral, tmp_path / "nowhere" / "r.p7m", "DSL")
    assert refused.value.field == "out"


def test_an_export_folder_that_is_not_empty_is_refused(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    guard = OutputGuard.of(sqlite_school.settings)
    full = tmp_path / "bundle"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    with pytest.raises(InvalidValue, match="not empty") as refused:
        guard.new_folder("directory", full)
    assert refused.value.field == "directory"
    made = guard.new_folder("directory", tmp_path / "fresh")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
