"""Signed checkpoints: sign, verify, keep as text, and check with the openssl command alone."""

from __future__ import annotations

import base64
import dataclasses
import shutil
import subprocess
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.checkpoint import (
    Checkpoint,
    CheckpointFormatError,
    sign_checkpoint,
    verify_checkpoint,
)
from projections.merkle import leaf_hash, root_hash
from tests.support import SESSION_START

ORIGIN = "safeshare.example-school.sch.uk/audit"
ROOT = root_hash([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])


def test_sign_verify_and_text_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    cp = sign_checkpoint(ORIGIN, 3, ROOT, key)
    assert verify_checkpoint(cp, key.public_key())
    assert cp.body() == f"{ORIGIN}\n3\n".encode() + base64.b64encode(ROOT) + b"\n"
    text = cp.to_text()
    assert text.startswith(cp.body().decode() + "\n— " + ORIGIN + " ")
    assert Checkpoint.from_text(text) == cp


def test_recorded_at_is_signed() -> None:
    key = Ed25519PrivateKey.generate()
    when = SESSION_START.astimezone(timezone(timedelta(hours=1)))
    cp = sign_checkpoint(ORIGIN, 3, ROOT, key, recorded_at=when)
    assert cp.recorded_at == when and cp.recorded_at.tzinfo == UTC
    back = Checkpoint.from_text(cp.to_text())
    assert back == cp and verify_checkpoint(back, key.public_key())
    later = dataclasses.replace(cp, recorded_at=when + timedelta(days=1))
    assert not verify_checkpoint(later, key.public_key())


def test_tampered_or_foreign_checkpoints_fail() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = sign_checkpoint(ORIGIN, 3, ROOT, key)
    assert not verify_checkpoint(cp, other.public_key())
    assert not verify_checkpoint(dataclasses.replace(cp, size=4), key.public_key())
    assert not verify_checkpoint(dataclasses.replace(cp, root=bytes(32)), key.public_key())
    assert not verify_checkpoint(dataclasses.replace(cp, origin="other"), key.public_key())
    assert not verify_checkpoint(dataclasses.replace(cp, root=b"short"), key.public_key())
    # The same signature with the key id removed still verifies only under the right key.
    bare = dataclasses.replace(cp, key_id=b"")
    assert verify_checkpoint(bare, key.public_key())
    assert not verify_checkpoint(bare, other.public_key())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n3\n",
        "origin\n03\nAAAA\n\n— origin AAAA\n",
        "origin\nx\n" + "A" * 43 + "=\n\n— origin AAAA\n",
        "origin\n3\nnot base64!\n\n— origin AAAA\n",
        "origin\n3\n" + "A" * 43 + "=\n\n— someone-else " + "A" * 92 + "\n",
        "origin\n3\n" + "A" * 43 + "=\n\n- origin " + "A" * 92 + "\n",
        "origin\n3\n" + "A" * 43 + "=\nwhat\n\n— origin " + "A" * 92 + "\n",
    ],
)
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(CheckpointFormatError):
        Checkpoint.from_text(text)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_openssl_verifies_the_signature(tmp_path: Path) -> None:
    """What the auditor runs: openssl pkeyutl -verify -pubin -rawin over the body bytes."""
    key = Ed25519PrivateKey.generate()
    cp = sign_checkpoint(ORIGIN, 3, ROOT, key, recorded_at=SESSION_START)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "audit-public.pem").write_bytes(pem)
    (tmp_path / "body.txt").write_bytes(cp.body())
    (tmp_path / "sig.bin").write_bytes(cp.signature)

    def openssl_verify() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "audit-public.pem",
                "-rawin",
                "-in",
                "body.txt",
                "-sigfile",
                "sig.bin",
            ],
            cwd=tmp_path,
            capture_output=True,
            timeout=30,
            check=False,
        )

    ok = openssl_verify()
    assert ok.returncode == 0, ok.stderr
    assert b"Signature Verified Successfully" in ok.stdout
    (tmp_path / "body.txt").write_bytes(cp.body().replace(b"\n3\n", b"\n4\n"))
    assert openssl_verify().returncode != 0
