"""Key rotation without rewriting history (issue 15, part 3).

- The key-encryption key: every child's data key re-wrapped under a new one in one transaction;
  nothing sealed with a data key, and no event, changes.
- The event store's cipher key: new events are encrypted under the new key; the old key is
  retired to the key ring (`KeyRingCipher`), so every stored event still reads.
- The school's signing identity: a new CA and signing certificate; the old CA certificate is
  kept in `school/retired/` and `keys export-certificate` gives agencies both, so packets
  signed before still verify against the CA they were signed under.
- The audit key: the new key's first checkpoint is signed by the old key too (the handover that
  `audit verify` checks); the old public key is kept so earlier checkpoints still verify.

Every rotation is recorded on the custody log, with the old and new keys' fingerprints. Every
process of the school must be restarted afterwards (they hold the old keys in memory).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from eventsourcing.cryptography import AESCipher

from domain.errors import InvalidValue
from projections.checkpoint import cosign
from projections.integrity_log import replace_latest_text
from safeshare.adapters.audit_key import load_audit_key, public_key_pem
from safeshare.adapters.key_files import (
    fingerprint,
    read_lines,
    refresh_recorded_fingerprint,
    replace_private,
)
from safeshare.adapters.sealing import KeyEncryptionKey
from safeshare.services.audit import audit_service
from safeshare.services.custody import custody_log
from safeshare.services.school import Safeshare
from safeshare.settings import Settings
from sharing.pki import CA_FILE, SIGNING_CERT_FILE, SchoolIdentity, generate_school_identity

OpenSchool = Callable[[], Safeshare]
RETIRED_CA_DIR = "retired"
KINDS = ("kek", "cipher", "signing", "audit")


def _record(s: Safeshare, key: str, old: str, new: str, items: int, by: str) -> None:
    log = custody_log(s.app)
    log.record_key_rotation(key, old, new, items, by)
    s.app.save(log)


def rotate(kind: str, settings: Settings, open_school: OpenSchool, by: str) -> dict[str, Any]:
    """Rotate one of the school's keys: "kek", "cipher", "signing" or "audit"."""
    rotations = {
        "kek": rotate_kek,
        "cipher": rotate_cipher_key,
        "signing": rotate_signing_identity,
        "audit": rotate_audit_key,
    }
    if kind not in rotations:
        raise InvalidValue("key", f"must be one of {', '.join(rotations)}")
    return rotations[kind](settings, open_school, by)


# -- the key-encryption key ----------------------------------------------------------------------


def rotate_kek(settings: Settings, open_school: OpenSchool, by: str) -> dict[str, Any]:
    """Re-wrap every data key under a new key-encryption key, then put the new key in place.

    The new key is written beside the old (`kek.key.next`) before the store is touched; if the
    process stops after the store committed but before the rename, running the rotation again
    finds the store already wrapped under `.next` and finishes the rename."""
    path = settings.kek_path
    pending = path.with_name(path.name + ".next")
    s = open_school()
    try:
        old = KeyEncryptionKey.load(path)
        if pending.exists():
            new = KeyEncryptionKey.load(pending)
            if _wraps_under(s, new):
                os.replace(pending, path)
                refresh_recorded_fingerprint(settings, "kek", new.secret)
                count = s.keystore.count()
                _record(s, "kek", fingerprint(old.secret), fingerprint(new.secret), count, by)
                return {"key": "kek", "rewrapped": count, "resumed": True}
            pending.unlink()
        new = KeyEncryptionKey.generate()
        new.save(pending)
        count = s.ctx.sealer.rewrap(new)
        os.replace(pending, path)
        refresh_recorded_fingerprint(settings, "kek", new.secret)
        _record(s, "kek", fingerprint(old.secret), fingerprint(new.secret), count, by)
        return {"key": "kek", "rewrapped": count, "fingerprint": fingerprint(new.secret)}
    finally:
        s.close()


def _wraps_under(s: Safeshare, kek: KeyEncryptionKey) -> bool:
    """Whether the key store's keys are wrapped under `kek` (an interrupted rotation)."""
    for wrapped in s.keystore.all_wrapped().values():
        try:
            aes_key_unwrap(kek.secret, wrapped)
        except InvalidUnwrap:
            return False
        return True
    return False


# -- the event store's cipher key -------------------------------------------------------------


def rotate_cipher_key(settings: Settings, open_school: OpenSchool, by: str) -> dict[str, Any]:
    """A new cipher key for new events; the old one retired to the ring (newest first), so
    every event stored before still reads. No stored event is rewritten."""
    current = settings.cipher_key_path
    old = current.read_text().strip()
    retired = read_lines(settings.retired_cipher_keys_path)
    new = AESCipher.create_key(32)
    # The old key is kept before the new one replaces it: at no moment is it in neither file.
    replace_private(settings.retired_cipher_keys_path, "\n".join([old, *retired]).encode() + b"\n")
    replace_private(current, new.encode() + b"\n")
    refresh_recorded_fingerprint(settings, "cipher", new.encode())
    s = open_school()  # the application now encrypts under the new key
    try:
        ring = len(retired) + 2
        _record(s, "cipher", fingerprint(old.encode()), fingerprint(new.encode()), ring, by)
        return {"key": "cipher", "keys_in_ring": ring, "fingerprint": fingerprint(new.encode())}
    finally:
        s.close()


# -- the school's signing identity ------------------------------------------------------------


def school_dir(settings: Settings) -> Path:
    return settings.data / "school"


def _ca_fingerprint(pem: bytes) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()


def retired_ca_pems(settings: Settings) -> list[bytes]:
    """The school's earlier CA certificates, newest first."""
    folder = school_dir(settings) / RETIRED_CA_DIR
    if not folder.exists():
        return []
    files = sorted(folder.glob("*-" + CA_FILE), reverse=True)
    return [f.read_bytes() for f in files]


def trust_bundle(settings: Settings) -> bytes:
    """What agencies verify packets against: the current CA, then every retired one."""
    current = (school_dir(settings) / CA_FILE).read_bytes()
    return b"".join([current, *retired_ca_pems(settings)])


def rotate_signing_identity(settings: Settings, open_school: OpenSchool, by: str) -> dict[str, Any]:
    """A new CA and signing certificate (the CA's private key is never kept, so a new signing
    certificate comes with a new CA); the old CA certificate is retired, not deleted."""
    folder = school_dir(settings)
    s = open_school()
    try:
        old = SchoolIdentity.load(folder)
        old_pem = old.ca_pem()
        retired = folder / RETIRED_CA_DIR
        retired.mkdir(parents=True, exist_ok=True, mode=0o700)
        n = len(list(retired.glob("*-" + CA_FILE))) + 1
        stamp = f"{n:04d}"
        (retired / f"{stamp}-{CA_FILE}").write_bytes(old_pem)
        (retired / f"{stamp}-{SIGNING_CERT_FILE}").write_bytes(
            old.signing_certificate.public_bytes(serialization.Encoding.PEM)
        )
        new = generate_school_identity(
            settings.school_name, s.ctx.clock(), sender_address=settings.smtp_sender
        )
        new.save(folder)
        _record(s, "signing", _ca_fingerprint(old_pem), _ca_fingerprint(new.ca_pem()), n + 1, by)
        return {
            "key": "signing",
            "ca_fingerprint": _ca_fingerprint(new.ca_pem()),
            "trusted_cas": n + 1,
            "retired_ca": str(retired / f"{stamp}-{CA_FILE}"),
        }
    finally:
        s.close()


# -- the audit key ----------------------------------------------------------------------------


def _public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def rotate_audit_key(settings: Settings, open_school: OpenSchool, by: str) -> dict[str, Any]:
    """A new audit key, whose first checkpoint (covering the rotation's own record) is signed by
    the old key too; the old public key is kept so every earlier checkpoint still verifies."""
    old = load_audit_key(settings)
    new = Ed25519PrivateKey.generate()
    s = open_school()
    try:
        _record(
            s,
            "audit",
            fingerprint(_public_raw(old)),
            fingerprint(_public_raw(new)),
            len(audit_service(s).checkpoints()),
            by,
        )
        audit = audit_service(s)
        audit.catch_up()
        staged = settings.audit_key_path.with_name(settings.audit_key_path.name + ".next")
        staged.unlink(missing_ok=True)
        replace_private(
            staged,
            new.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        audit.log.key = new
        with audit.db.transaction() as tx:
            cp = audit.log.checkpoint(tx)
            replace_latest_text(tx, cp.size, cosign(cp.to_text(), cp.origin, old))
        retired = settings.audit_retired_public_keys_path
        earlier = retired.read_bytes() if retired.exists() else b""
        replace_private(retired, earlier + public_key_pem(old.public_key()))
        os.replace(staged, settings.audit_key_path)
        settings.audit_public_key_path.write_bytes(public_key_pem(new.public_key()))
        refresh_recorded_fingerprint(settings, "audit", _public_raw(new))
        return {
            "key": "audit",
            "handover_checkpoint_size": cp.size,
            "fingerprint": fingerprint(_public_raw(new)),
        }
    finally:
        s.close()
