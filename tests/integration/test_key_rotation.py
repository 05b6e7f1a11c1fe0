"""Key rotation without rewriting history (issue 15, part 3), on SQLite and on PostgreSQL.

Each rotation leaves every stored event byte for byte as it was, keeps everything recorded
before it readable or verifiable, and is itself recorded on the custody log.
"""

from __future__ import annotations

import shlex
import stat
import subprocess
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from projections.checkpoint import Checkpoint, signed_by
from projections.integrity_log import checkpoint_texts
from safeshare.adapters.audit_key import load_audit_key
from safeshare.adapters.sealing import KeyEncryptionKey
from safeshare.bootstrap import build
from safeshare.demo.directory import agency_dir
from safeshare.services.audit import audit_service
from safeshare.services.custody import custody_history
from safeshare.services.key_rotation import rotate, trust_bundle
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from tests.integration.test_bundle_offline import bare_python
from tests.integration.test_canary import record_canary_case
from tests.support import CANARY_FACT, FakeClock, ago, born

__all__ = ["bare_python"]


def stored_records(s: Safeshare) -> list[tuple[int, bytes]]:
    """(position, stored state) of every record, exactly as stored."""
    batch = s.app.recorder.select_notifications(start=None, limit=10**9)
    return [(n.id, bytes(n.state)) for n in batch]


def rotated(school: Safeshare, kind: str, clock: FakeClock) -> Safeshare:
    """Close the school, rotate, and open it again as a restarted process would."""
    settings = school.settings
    school.close()
    rotate(kind, settings, lambda: build(settings, clock=clock), "operator")
    return build(settings, clock=clock)


def rotations(s: Safeshare) -> list[dict[str, object]]:
    return [e for e in custody_history(s.app) if e["event"] == "key-rotated"]


def test_the_key_encryption_key_is_rotated_by_rewrapping_every_child_key_and_no_event(
    school: Safeshare, clock: FakeClock
) -> None:
    settings = school.settings
    child_id, concern_id = record_canary_case(school)
    school.children.register("Noor Other", born(clock, 9), by="Office")
    before = stored_records(school)
    old = KeyEncryptionKey.load(settings.kek_path)

    s = rotated(school, "kek", clock)
    try:
        new = KeyEncryptionKey.load(settings.kek_path)
        assert new.secret != old.secret
        assert stat.S_IMODE(settings.kek_path.stat().st_mode) == 0o600
        for wrapped in s.keystore.all_wrapped().values():
            aes_key_unwrap(new.secret, wrapped)
            with pytest.raises(InvalidUnwrap):
                aes_key_unwrap(old.secret, wrapped)
        assert stored_records(s)[: len(before)] == before
        assert s.views.show_concern(concern_id, "DSL")["concern"]["facts"].startswith(CANARY_FACT)
        [done] = rotations(s)
        assert done["key"] == "kek" and done["items"] == 2 and done["recorded_by"] == "operator"
        assert audit_service(s).verify() == []
        s.children.erase(child_id, "retention-ended", "DSL")
        assert s.views.show_concern(concern_id, "DSL")["concern"]["facts"] == "[erased]"
    finally:
        s.close()


def test_the_cipher_key_is_rotated_new_events_under_the_new_key_old_ones_still_read(
    school: Safeshare, clock: FakeClock
) -> None:
    settings = school.settings
    _, concern_id = record_canary_case(school)
    before = stored_records(school)
    old_key = settings.cipher_key_path.read_text().strip()

    s = rotated(school, "cipher", clock)
    try:
        new_key = settings.cipher_key_path.read_text().strip()
        assert new_key != old_key
        assert settings.retired_cipher_keys_path.read_text().split() == [old_key]
        assert stat.S_IMODE(settings.retired_cipher_keys_path.stat().st_mode) == 0o600
        assert stored_records(s)[: len(before)] == before
        assert s.views.show_concern(concern_id, "DSL")["concern"]["facts"].startswith(CANARY_FACT)
        later = s.children.register("Noor Other", born(clock, 9), by="Office")
        state = bytes(s.app.recorder.select_events(later)[0].state)
        AESCipher(Environment(env={"CIPHER_KEY": new_key})).decrypt(state)
        with pytest.raises(ValueError, match="Invalid cipher tag"):
            AESCipher(Environment(env={"CIPHER_KEY": old_key})).decrypt(state)
        AESCipher(Environment(env={"CIPHER_KEY": old_key})).decrypt(before[0][1])
        [done] = rotations(s)
        assert done["key"] == "cipher" and done["old_fingerprint"] != done["new_fingerprint"]
        assert audit_service(s).verify() == []
    finally:
        s.close()


def openssl_verifies(folder: Path, der: bytes, data: Path, ca_pem: bytes) -> bool:
    """The agency's two documented commands (docs/agency.md) against `ca_pem`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "packet.p7m").write_bytes(der)
    (folder / "school-ca.pem").write_bytes(ca_pem)
    adir = agency_dir(data, "mash")
    decrypt = subprocess.run(
        shlex.split(
            "openssl cms -decrypt -binary -inform DER -in packet.p7m "
            f"-recip {adir / 'agency-cert.pem'} -inkey {adir / 'agency-key.pem'} -out signed.der"
        ),
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert decrypt.returncode == 0, decrypt.stderr
    verify = subprocess.run(
        shlex.split(
            "openssl cms -verify -binary -inform DER -in signed.der -CAfile school-ca.pem "
            "-out packet.mime"
        ),
        cwd=folder,
        capture_output=True,
        check=False,
    )
    return verify.returncode == 0


def test_the_signing_certificate_is_rotated_agencies_get_the_new_ca_old_packets_still_verify(
    school: Safeshare, clock: FakeClock, tmp_path: Path
) -> None:
    settings = school.settings
    child = school.children.register("Amira Test", born(clock, 12), by="Office")
    concern = school.concerns.raise_concern(
        str(child), "neglect", "No coat on three cold days.", ago(clock, hours=3), "Mr Jones"
    )
    school.concerns.record_consent(str(concern), "given", "DSL", from_whom="parent")
    school.concerns.decide(str(concern), True, "agreed", "DSL", purpose="early help", to=["mash"])
    [referral] = school.views.referrals_of(school.ctx.concern(concern))
    old_ca = school.packets.school.ca_pem()
    before = school.packets.export(str(referral.id), tmp_path / "before.p7m", "DSL").sealed.der

    s = rotated(school, "signing", clock)
    try:
        new_ca = s.packets.school.ca_pem()
        assert new_ca != old_ca
        after = s.packets.export(str(referral.id), tmp_path / "after.p7m", "DSL").sealed.der
        bundle = trust_bundle(settings)
        assert bundle.startswith(new_ca) and old_ca in bundle
        assert openssl_verifies(tmp_path / "a", before, settings.data, old_ca)
        assert openssl_verifies(tmp_path / "b", before, settings.data, bundle)
        assert openssl_verifies(tmp_path / "c", after, settings.data, bundle)
        assert not openssl_verifies(tmp_path / "d", after, settings.data, old_ca)
        [done] = rotations(s)
        assert done["key"] == "signing" and done["items"] == 2
    finally:
        s.close()


def test_the_audit_key_is_rotated_and_its_first_checkpoint_is_signed_by_the_old_key_too(
    school: Safeshare, clock: FakeClock
) -> None:
    settings = school.settings
    record_canary_case(school)
    kept = audit_service(school).checkpoint()  # an auditor keeps this one
    old = load_audit_key(settings).public_key()

    s = rotated(school, "audit", clock)
    try:
        new = load_audit_key(settings).public_key()
        assert new.public_bytes_raw() != old.public_bytes_raw()
        with s.projection_db().transaction() as tx:
            texts = checkpoint_texts(tx)
        handover = texts[-1]
        assert signed_by(handover, new) and signed_by(handover, old)
        assert not signed_by(texts[0], new)
        s.children.register("Noor Other", born(clock, 9), by="Office")
        later = audit_service(s).checkpoint()
        assert signed_by(later.to_text(), new) and not signed_by(later.to_text(), old)
        assert audit_service(s).verify([kept]) == []
        [done] = rotations(s)
        assert done["key"] == "audit" and done["old_fingerprint"] != done["new_fingerprint"]
        assert Checkpoint.from_text(handover).size > kept.size  # it covers the rotation's record
    finally:
        s.close()


def test_a_key_change_without_the_old_keys_signature_is_reported(
    school: Safeshare, clock: FakeClock
) -> None:
    """An intruder who swaps in a key of their own cannot pass it off as a rotation."""
    settings: Settings = school.settings
    audit_service(school).checkpoint()
    school.close()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from safeshare.adapters.audit_key import public_key_pem
    from safeshare.adapters.key_files import refresh_recorded_fingerprint
    from safeshare.adapters.sealing import KeyFileError

    old = load_audit_key(settings)
    settings.audit_retired_public_keys_path.write_bytes(public_key_pem(old.public_key()))
    intruder = Ed25519PrivateKey.generate()
    settings.audit_key_path.write_bytes(
        intruder.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    s = build(settings, clock=clock)
    try:
        # first line: the integrity log knows its key's fingerprint and refuses the intruder's
        with pytest.raises(KeyFileError, match="not the key the integrity log was made with"):
            audit_service(s)
        # an intruder who also rewrites the remembered fingerprint is still reported
        raw = intruder.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        refresh_recorded_fingerprint(settings, "audit", raw)
        s.children.register("Noor Other", born(clock, 9), by="Office")
        audit_service(s).checkpoint()
        kinds = [p.kind for p in audit_service(s).verify()]
        assert kinds == ["checkpoint-key-handover"]
    finally:
        s.close()


def test_an_unknown_key_is_bad_input_and_changes_nothing(school: Safeshare) -> None:
    from domain.errors import InvalidValue

    settings = school.settings
    with pytest.raises(InvalidValue, match="key: must be one of kek, cipher, signing, audit"):
        rotate("everything", settings, lambda: school, "operator")
    assert UUID(int=0) not in school.keystore.all_wrapped()


def test_a_kek_rotation_stopped_after_the_store_committed_is_finished_by_running_it_again(
    school: Safeshare, clock: FakeClock
) -> None:
    settings = school.settings
    _, concern_id = record_canary_case(school)
    pending = settings.kek_path.with_name(settings.kek_path.name + ".next")
    new = KeyEncryptionKey.generate()
    new.save(pending)
    school.ctx.sealer.rewrap(new)  # the store committed; then the process stopped

    s = rotated(school, "kek", clock)
    try:
        assert KeyEncryptionKey.load(settings.kek_path) == new and not pending.exists()
        assert s.views.show_concern(concern_id, "DSL")["concern"]["facts"].startswith(CANARY_FACT)
        [done] = rotations(s)
        assert done["key"] == "kek"
    finally:
        s.close()


def test_a_store_that_remembers_its_keys_fingerprint_is_told_the_rotated_one(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    """The hardening work's stores refuse a key whose fingerprint they do not know."""
    import sqlite3

    from safeshare.adapters.key_files import FINGERPRINTS_TABLE, fingerprint

    settings = sqlite_school.settings
    old_key = settings.cipher_key_path.read_text().strip()
    with sqlite3.connect(settings.events_db) as db:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {FINGERPRINTS_TABLE} "
            "(key_name TEXT PRIMARY KEY, fingerprint TEXT)"
        )
        db.execute(
            f"INSERT OR REPLACE INTO {FINGERPRINTS_TABLE} VALUES ('event store cipher key', ?)",
            (fingerprint(old_key.encode()),),
        )
    rotated(sqlite_school, "cipher", clock).close()
    new_key = settings.cipher_key_path.read_text().strip()
    with sqlite3.connect(settings.events_db) as db:
        row = db.execute(f"SELECT fingerprint FROM {FINGERPRINTS_TABLE}").fetchone()
    assert row[0] == fingerprint(new_key.encode())


def test_after_an_audit_key_rotation_the_offline_bundle_verifies_and_shows_the_handover(
    school: Safeshare, clock: FakeClock, tmp_path: Path, bare_python: Path
) -> None:
    record_canary_case(school)
    audit_service(school).checkpoint()
    s = rotated(school, "audit", clock)
    try:
        s.children.register("Noor Other", born(clock, 9), by="Office")
        bundle = tmp_path / "bundle"
        audit_service(s).export(bundle)
    finally:
        s.close()
    assert (bundle / "audit-public-retired-01.pem").exists()
    run = [str(bare_python), "-I", str(bundle / "verify_bundle.py"), str(bundle)]
    done = subprocess.run(run, capture_output=True, text=True, check=False, cwd=bundle)
    assert done.returncode == 0 and done.stdout.startswith("OK"), done.stdout
    handover = sorted((bundle / "checkpoints").glob("*.txt"))[-2]
    lines = handover.read_text().splitlines(keepends=True)
    assert len([line for line in lines if line.startswith("— ")]) == 2
    handover.write_text("".join(lines[:-1]))  # the old key's signature taken away
    done = subprocess.run(run, capture_output=True, text=True, check=False, cwd=bundle)
    assert done.returncode == 1
    assert "previous key did not also sign" in done.stdout
