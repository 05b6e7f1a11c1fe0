"""Backups that honour erasure, per school through the registry (`safeshare school backup` and
`safeshare school restore`), on the embedded default and on the real PostgreSQL (each school
acting as its own database role). A child of alpha is erased after the backup; the restore puts
the stores back and the child stays erased; beta is restored only when asked, and verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from domain.child import Child
from safeshare.adapters.sealing import ERASED
from safeshare.services.audit import audit_service
from safeshare.services.custody import custody_history
from safeshare.services.school import Safeshare
from tests.support import ago, born
from tests.tenant_ops_support import TwoSchools, two_schools


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def schools(
    request: pytest.FixtureRequest, tmp_path: Path, identity_template: Path
) -> Iterator[TwoSchools]:
    with two_schools(str(request.param), tmp_path / "d", identity_template) as d:
        yield d


def record(s: Safeshare, name: str, fact: str) -> tuple[str, str]:
    clock = s.ctx.clock
    child = str(s.children.register(name, born(clock, 9), by="Office"))
    concern = str(s.concerns.raise_concern(child, "neglect", fact, ago(clock, hours=1), "Teacher"))
    return child, concern


def restores(s: Safeshare) -> list[dict[str, object]]:
    return [e for e in custody_history(s.app) if e["event"] == "restored"]


def test_erased_after_a_backup_stays_erased_when_every_school_is_restored(
    schools: TwoSchools, tmp_path: Path
) -> None:
    a = schools.open(schools.alpha)
    try:
        erased, erased_concern = record(a, "Ada Alpha", "alpha: no coat in the snow")
        kept, _ = record(a, "Kit Alpha", "alpha: hungry at lunch")
    finally:
        a.close()
    b = schools.open(schools.beta)
    try:
        beta_child, beta_concern = record(b, "Bo Beta", "beta: bruise on the arm")
    finally:
        b.close()
    folder = tmp_path / "backups" / "nightly"

    code, taken = schools.cli("school", "backup", str(folder), "--all")

    assert code == 0, taken
    assert set(taken["schools"]) == {schools.alpha.id, schools.beta.id}
    assert (folder / schools.alpha.id / "keystore.sealed").exists()
    assert (folder / schools.beta.id / "keystore.sealed").exists()
    a = schools.open(schools.alpha)
    try:
        a.children.erase(erased, "retention-ended", "DSL")
    finally:
        a.close()
    b = schools.open(schools.beta)
    try:
        beta_position = b.app.recorder.max_notification_id()
    finally:
        b.close()

    # One school: alpha's stores go back; beta's are not touched.
    code, done = schools.cli("school", "restore", str(folder), "--school", schools.alpha.id)

    assert code == 0, done
    assert set(done["schools"]) == {schools.alpha.id}
    assert done["schools"][schools.alpha.id]["keys_withheld"] == 1
    b = schools.open(schools.beta)
    try:
        assert b.app.recorder.max_notification_id() == beta_position
        assert restores(b) == []
    finally:
        b.close()

    # Every school: alpha's erased child stays erased, beta's records read, both verify.
    code, done = schools.cli("school", "restore", str(folder), "--all")

    assert code == 0, done
    assert set(done["schools"]) == {schools.alpha.id, schools.beta.id}
    assert done["schools"][schools.alpha.id]["erasures_recorded_again"] == [str(UUID(erased))]
    assert done["schools"][schools.beta.id]["erasures_known"] == 0
    a = schools.open(schools.alpha)
    try:
        assert a.app.get(UUID(erased), Child).erased
        assert a.keystore.get(UUID(erased)) is None
        shown = a.views.show_concern(erased_concern, "DSL")["concern"]
        assert shown["child"]["name"] == ERASED and shown["facts"] == ERASED
        assert a.views.child_view(a.ctx.child(kept))["name"] == "Kit Alpha"
        assert audit_service(a).verify() == []
        # (the first restore's record went back with the stores; the last one is recorded)
        assert [r["backup_id"] for r in restores(a)] == [
            taken["schools"][schools.alpha.id]["backup_id"]
        ]
    finally:
        a.close()
    b = schools.open(schools.beta)
    try:
        shown = b.views.show_concern(beta_concern, "DSL")["concern"]
        assert shown["child"]["name"] == "Bo Beta"
        assert b.keystore.get(UUID(beta_child)) is not None
        assert audit_service(b).verify() == []
        assert len(restores(b)) == 1
    finally:
        b.close()


def test_a_restore_refuses_a_school_the_backup_does_not_hold_and_changes_nothing(
    schools: TwoSchools, tmp_path: Path
) -> None:
    folder = tmp_path / "backups" / "alpha-only"
    code, _ = schools.cli("school", "backup", str(folder), "--school", schools.alpha.id)
    assert code == 0
    assert not (folder / schools.beta.id).exists()

    code, out = schools.cli("school", "restore", str(folder), "--school", schools.beta.id)

    assert code != 0
    assert "school" in str(out)
    b = schools.open(schools.beta)
    try:
        assert restores(b) == []
    finally:
        b.close()


def test_backup_and_restore_name_one_school_or_all(schools: TwoSchools, tmp_path: Path) -> None:
    code, out = schools.cli("school", "backup", str(tmp_path / "b"))
    assert code != 0 and "--school" in str(out)
    code, out = schools.cli("school", "backup", str(tmp_path / "b"), "--school", "nobody")
    assert code != 0 and "nobody" in str(out)
    inside = schools.base.data / "backups"
    code, out = schools.cli("school", "backup", str(inside), "--all")
    assert code != 0 and "data folder" in str(out)
    assert not (tmp_path / "b" / "schools.json").exists() and not inside.exists()
