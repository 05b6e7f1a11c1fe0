"""Key rotation per school through the registry (`safeshare school rotate-keys KEY --school
ID`): every one of alpha's keys is rotated; not one byte of beta's key files (or of anything
else of beta's) changes, and both schools still read their records and verify."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from safeshare.services.audit import audit_service
from safeshare.services.custody import custody_history
from safeshare.tenants import school_settings
from tests.support import ago, born
from tests.tenant_ops_support import TwoSchools, two_schools

KINDS = ("kek", "cipher", "signing", "audit")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def schools(
    request: pytest.FixtureRequest, tmp_path: Path, identity_template: Path
) -> Iterator[TwoSchools]:
    with two_schools(str(request.param), tmp_path / "d", identity_template) as d:
        yield d


def files_of(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def keys_and_files(schools: TwoSchools, which: str) -> dict[str, str]:
    """Every file of the school's: its data folder (keys, signing identity, stores) and its
    audit key's folder (once every connection closed is gone: SQLite folds its write-ahead
    log into the database file when the last connection goes)."""
    gc.collect()
    settings = school_settings(schools.base, getattr(schools, which))
    return {
        **files_of(settings.data),
        **{"audit/" + k: v for k, v in files_of(settings.audit_key_path.parent).items()},
    }


def test_rotating_every_key_of_one_school_leaves_the_other_byte_for_byte_as_it_was(
    schools: TwoSchools,
) -> None:
    recorded: dict[str, tuple[str, str]] = {}
    for which in ("alpha", "beta"):
        s = schools.open(getattr(schools, which))
        try:
            clock = s.ctx.clock
            child = str(s.children.register(f"{which.title()} Child", born(clock, 9), by="Office"))
            fact = f"{which}: no coat in the snow"
            concern = str(
                s.concerns.raise_concern(child, "neglect", fact, ago(clock, hours=1), "T")
            )
            audit_service(s).checkpoint()
            recorded[which] = (child, concern)
        finally:
            s.close()
    alpha_before = keys_and_files(schools, "alpha")
    beta_before = keys_and_files(schools, "beta")

    for kind in KINDS:
        code, done = schools.cli("school", "rotate-keys", kind, "--school", schools.alpha.id)
        assert code == 0, done
        assert set(done["schools"]) == {schools.alpha.id}

    assert keys_and_files(schools, "beta") == beta_before
    alpha_after = keys_and_files(schools, "alpha")
    a = school_settings(schools.base, schools.alpha)
    for key_file in (a.kek_path, a.cipher_key_path, a.data / "school" / "school-ca.pem"):
        name = str(key_file.relative_to(a.data))
        assert alpha_after[name] != alpha_before[name], name
    audit_key = "audit/" + a.audit_key_path.name
    assert alpha_after[audit_key] != alpha_before[audit_key]

    for which in ("alpha", "beta"):
        s = schools.open(getattr(schools, which))
        try:
            child, concern = recorded[which]
            shown = s.views.show_concern(concern, "DSL")["concern"]
            assert shown["child"]["name"] == f"{which.title()} Child"
            assert s.keystore.get(UUID(child)) is not None
            assert audit_service(s).verify() == []
            rotated = [e["key"] for e in custody_history(s.app) if e["event"] == "key-rotated"]
            assert rotated == (list(KINDS) if which == "alpha" else [])
        finally:
            s.close()


def test_a_rotation_names_a_registered_school_or_all(schools: TwoSchools) -> None:
    beta_before = keys_and_files(schools, "beta")
    code, out = schools.cli("school", "rotate-keys", "kek")
    assert code != 0 and "--school" in str(out)
    code, out = schools.cli("school", "rotate-keys", "kek", "--school", "nobody")
    assert code != 0 and "nobody" in str(out)
    code, out = schools.cli("school", "rotate-keys", "everything", "--school", schools.beta.id)
    assert code != 0 and "key" in str(out)
    assert keys_and_files(schools, "beta") == beta_before
