"""Backups that honour erasure (issue 15, part 2), on SQLite and on the real PostgreSQL.

A child is erased after a backup was taken; the backup is restored; the child's data still
reads "[erased]" everywhere, the erased key is not in the key store, the integrity log verifies
and the restore is on the record.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from uuid import UUID

import pytest

from domain.child import Child
from domain.errors import InvalidValue
from safeshare.adapters.erasure_tombstones import ErasureTombstones
from safeshare.adapters.keystore_backup import KeyStoreBackupError
from safeshare.adapters.pg import PgParams
from safeshare.adapters.sealing import ERASED
from safeshare.adapters.store_backup import pg_restore_schema, sqlite_restore
from safeshare.bootstrap import build
from safeshare.services.attachments import AttachmentService
from safeshare.services.audit import audit_service
from safeshare.services.backups import backup, restore
from safeshare.services.custody import custody_history
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.integration.test_canary import NEEDLES, record_canary_case
from tests.support import FakeClock, ago, born

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def opener(settings: Settings, clock: FakeClock) -> Safeshare:
    return build(settings, clock=clock)


def the_child_reads_erased_everywhere(s: Safeshare, child_id: str, concern_id: str) -> None:
    shown = s.views.show_concern(concern_id, "DSL")["concern"]
    assert shown["child"]["name"] == ERASED
    assert shown["facts"] == ERASED and shown["opinion"] == ERASED
    assert all(p.name == ERASED for p in s.children.people(child_id))
    assert s.keystore.get(UUID(child_id)) is None
    assert s.app.get(UUID(child_id), Child).erased


def attachment_ids(s: Safeshare) -> list[str]:
    from domain.attachment import Attachment

    return [
        str(n.originator_id)
        for n in s.app.recorder.select_notifications(
            start=None, limit=100, topics=[Attachment.Added.TOPIC]
        )
    ]


def audit_verifies(s: Safeshare) -> None:
    assert audit_service(s).verify() == []


def attachments(s: Safeshare) -> AttachmentService:
    return AttachmentService(s.ctx)


@pytest.fixture
def backed_up(school: Safeshare, tmp_path: Path) -> tuple[Safeshare, str, str, str, Path]:
    """A school with the canary child and another child, each with a photograph attached to a
    concern, backed up before anything is erased."""
    child_id, concern_id = record_canary_case(school)
    other = str(school.children.register("Noor Other", born(school.ctx.clock, 9), by="Office"))
    other_concern = school.concerns.raise_concern(
        other, "neglect", "No lunch again.", ago(school.ctx.clock, hours=1), "Mr Jones"
    )
    for concern in (concern_id, other_concern):
        attachments(school).add(school.ctx.concern(concern), "photo.png", PNG, "DSL")
    audit_service(school).checkpoint()
    folder = tmp_path / "backups" / "before-erasure"
    backup(school, folder, "operator")
    return school, child_id, concern_id, other, folder


def test_a_backup_holds_each_store_separately_and_the_key_store_only_encrypted(
    backed_up: tuple[Safeshare, str, str, str, Path],
) -> None:
    school, _, _, _, folder = backed_up
    manifest = json.loads((folder / "manifest.json").read_text())
    ext = "dump" if school.settings.uses_postgres else "sqlite"
    assert {f.name for f in folder.iterdir()} >= {
        f"events.{ext}",
        f"projections.{ext}",
        "keystore.sealed",
        "manifest.json",
        "attachments",
    }
    assert manifest["keys"] == 2
    assert manifest["stores"] == ["events", "projections", "keys", "attachments"]
    assert len(list((folder / "attachments").iterdir())) == 2
    for f in folder.rglob("*"):
        if f.is_file() and f.name != "manifest.json":
            assert stat.S_IMODE(f.stat().st_mode) == 0o600
            for needle in NEEDLES:
                assert needle not in f.read_bytes()
    key_file = school.settings.backup_key_path
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [e["event"] for e in custody_history(school.app)] == ["backup-taken"]


def test_erased_after_the_backup_stays_erased_after_a_full_restore(
    backed_up: tuple[Safeshare, str, str, str, Path], clock: FakeClock
) -> None:
    school, child_id, concern_id, other, folder = backed_up
    settings = school.settings
    school.children.erase(child_id, "retention-ended", "DSL")
    school.close()
    clock.advance(hours=1)

    done = restore(settings, folder, lambda: opener(settings, clock), "operator")

    assert done["keys_withheld"] == 1
    assert done["erasures_recorded_again"] == [str(UUID(child_id))]
    s = opener(settings, clock)
    try:
        the_child_reads_erased_everywhere(s, child_id, concern_id)
        assert s.views.child_view(s.ctx.child(other))["name"] == "Noor Other"
        found = [attachments(s).attachment(i) for i in attachment_ids(s)]
        files = {a.child_id: a for a in found if a is not None}
        assert attachments(s).open(files[UUID(other)]).content == PNG
        with pytest.raises(InvalidValue, match="erased"):
            attachments(s).open(files[UUID(child_id)])
        audit_verifies(s)
        restored = [e for e in custody_history(s.app) if e["event"] == "restored"]
        assert len(restored) == 1
        assert restored[0]["backup_id"] == done["backup_id"]
        assert restored[0]["keys_withheld"] == 1 and restored[0]["recorded_by"] == "operator"
    finally:
        s.close()


def test_restoring_only_the_key_store_does_not_bring_an_erased_childs_key_back(
    backed_up: tuple[Safeshare, str, str, str, Path], clock: FakeClock
) -> None:
    school, child_id, concern_id, other, folder = backed_up
    settings = school.settings
    school.children.erase(child_id, "retention-ended", "DSL")
    school.close()

    done = restore(settings, folder, lambda: opener(settings, clock), "operator", only=["keys"])

    assert done["stores"] == ["keys"] and done["keys_withheld"] == 1
    assert done["erasures_recorded_again"] == []  # the event store still records the erasure
    s = opener(settings, clock)
    try:
        the_child_reads_erased_everywhere(s, child_id, concern_id)
        assert s.keystore.get(UUID(other)) is not None
        audit_verifies(s)
    finally:
        s.close()


def test_both_stores_from_before_the_erasure_are_held_to_it_by_the_tombstones(
    backed_up: tuple[Safeshare, str, str, str, Path], clock: FakeClock
) -> None:
    """The event store was already put back by hand with the database's own tools, so the only
    remaining word of the erasure is the tombstone list kept outside the data folder."""
    school, child_id, concern_id, _, folder = backed_up
    settings = school.settings
    school.children.erase(child_id, "retention-ended", "DSL")
    assert UUID(child_id) in ErasureTombstones(settings.tombstones_path).ids()
    assert not settings.tombstones_path.absolute().is_relative_to(settings.data.absolute())
    school.close()
    if settings.uses_postgres:
        assert settings.database_url is not None
        p = PgParams.from_url(settings.database_url)
        pg_restore_schema(p, settings.pg_schema, folder / "events.dump")
    else:
        sqlite_restore(folder / "events.sqlite", settings.events_db)

    done = restore(settings, folder, lambda: opener(settings, clock), "operator")

    assert done["erasures_recorded_again"] == [str(UUID(child_id))]
    s = opener(settings, clock)
    try:
        the_child_reads_erased_everywhere(s, child_id, concern_id)
        audit_verifies(s)
    finally:
        s.close()


def test_a_backup_of_another_school_or_with_another_backup_key_changes_nothing(
    backed_up: tuple[Safeshare, str, str, str, Path], clock: FakeClock
) -> None:
    school, child_id, _, _, folder = backed_up
    settings = school.settings
    position = school.app.recorder.max_notification_id()
    with pytest.raises(InvalidValue, match="already holds a backup"):
        backup(school, folder, "operator")
    with pytest.raises(InvalidValue, match="inside the data folder"):
        backup(school, settings.data / "backup", "operator")
    school.close()
    other = settings.model_copy(update={"school": "elsewhere"})
    with pytest.raises(InvalidValue, match="not 'elsewhere'"):
        restore(other, folder, lambda: opener(other, clock), "operator")
    settings.backup_key_path.write_text("A" * 43 + "=\n")
    with pytest.raises(KeyStoreBackupError, match="does not open with this backup key"):
        restore(settings, folder, lambda: opener(settings, clock), "operator")
    s = opener(settings, clock)
    try:
        assert s.app.recorder.max_notification_id() == position
        assert s.keystore.get(UUID(child_id)) is not None
    finally:
        s.close()


def test_a_tombstone_list_that_cannot_be_written_does_not_stop_the_key_being_destroyed(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    s = sqlite_school
    child_id, concern_id = record_canary_case(s)
    (tmp_path / "a-file").write_text("")
    s.ctx.settings = s.settings.model_copy(
        update={"tombstones_file": tmp_path / "a-file" / "tombstones"}
    )
    with pytest.raises(OSError):
        s.children.erase(child_id, "retention-ended", "DSL")
    the_child_reads_erased_everywhere(s, child_id, concern_id)


def test_the_event_store_is_never_put_back_without_its_integrity_log(
    backed_up: tuple[Safeshare, str, str, str, Path], clock: FakeClock
) -> None:
    school, child_id, concern_id, _, folder = backed_up
    settings = school.settings
    school.children.erase(child_id, "retention-ended", "DSL")
    school.close()

    done = restore(settings, folder, lambda: opener(settings, clock), "operator", only=["events"])

    assert done["stores"] == ["events", "projections"]
    s = opener(settings, clock)
    try:
        the_child_reads_erased_everywhere(s, child_id, concern_id)
        audit_verifies(s)
    finally:
        s.close()
