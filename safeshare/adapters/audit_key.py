"""The school's Ed25519 audit key: it signs the integrity log's checkpoints.

Why its own key (not the school's packet-signing identity): an auditor needs one long-lived
public key to check every checkpoint with `openssl` alone, and a compromise of the packet key
must not let anyone re-sign the history. The private key lives in the keys folder (0600) beside
its public half, which `audit export` copies into each bundle.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from safeshare.adapters.key_fingerprints import fingerprint, keyed_stores
from safeshare.adapters.sealing import KeyFileError
from safeshare.settings import Settings

log = logging.getLogger("safeshare.audit")


def create_audit_key(settings: Settings) -> list[Path]:
    """Make the audit key pair if absent (idempotent); the public PEM is rewritten if lost."""
    made: list[Path] = []
    path = settings.audit_key_path
    if not path.exists():
        keyed_stores(settings)["audit"].refuse_new_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        made.append(path)
    public = settings.audit_public_key_path
    if not public.exists():
        public.write_bytes(public_key_pem(load_audit_key(settings).public_key()))
        made.append(public)
    return made


_warned: set[Path] = set()


def check_audit_key_location(settings: Settings) -> None:
    """The audit key is not kept in the data folder in production: with write access to the
    data folder one could rewrite the history and re-sign it. On PostgreSQL (production) a key
    inside the data folder is refused; the embedded default warns, once per process."""
    path = Path(os.path.abspath(settings.audit_key_path))
    data = Path(os.path.abspath(settings.data))
    if not path.is_relative_to(data):
        return
    advice = (
        "anyone who can write the data folder could rewrite the history and re-sign it; "
        "set SAFESHARE_AUDIT_KEY_FILE to a path outside it"
    )
    if settings.uses_postgres:
        raise KeyFileError(f"audit key file {path} is inside the data folder {data}: {advice}")
    if path not in _warned:
        _warned.add(path)
        log.warning("audit key file %s is inside the data folder: %s", path, advice)


def load_audit_key(settings: Settings) -> Ed25519PrivateKey:
    """The private key, or a clear error naming the file."""
    check_audit_key_location(settings)
    path = settings.audit_key_path
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        why = e.__class__.__name__
        msg = f"audit key file {path}: cannot be read ({why}; run `safeshare init`)"
        raise KeyFileError(msg) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"audit key file {path}: not an Ed25519 key")
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keyed_stores(settings)["audit"].check(fingerprint(raw))
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from SubjectPublicKeyInfo PEM (an auditor's copy, say)."""
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def load_retired_public_keys(settings: Settings) -> list[Ed25519PublicKey]:
    """The audit keys used before a rotation (public halves), oldest first."""
    path = settings.audit_retired_public_keys_path
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    end = "-----END PUBLIC KEY-----"
    blocks = [b + end for b in text.split(end) if b.strip()]
    return [load_public_key(b.strip().encode()) for b in blocks]
