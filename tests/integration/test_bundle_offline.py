"""The audit bundle verifies offline: isolated Python in an empty venv, plus the openssl CLI."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from projections.bundle import BundleRecord, write_bundle
from projections.canonical import canonical_record_bytes
from projections.checkpoint import Checkpoint, sign_checkpoint
from projections.merkle import leaf_hash, root_hash

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

ORIGIN = "school.example.sch.uk/audit"


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with nothing installed: the auditor's machine has no safeshare."""
    venv = tmp_path_factory.mktemp("auditor-venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    return venv / "bin" / "python"


def _records(n: int) -> list[BundleRecord]:
    ids = [uuid.UUID(int=i * 7919 + 1).hex for i in range(5)]
    # Positions with a gap, as notification ids can have.
    return [
        BundleRecord(
            p if p < 20 else p + 3,
            ids[p % 5],
            p // 5 + 1,
            "domain.concern:Concern.Raised",
            bytes([p % 256]) * 40,
        )
        for p in range(1, n + 1)
    ]


def _checkpoints(
    records: list[BundleRecord], sizes: list[int], key: Ed25519PrivateKey
) -> list[Checkpoint]:
    leaves = [
        leaf_hash(canonical_record_bytes(r.originator_id, r.version, r.topic, r.state))
        for r in records
    ]
    return [sign_checkpoint(ORIGIN, s, root_hash(leaves[:s]), key) for s in sizes]


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _run(python: Path, bundle: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-I", str(bundle / "verify_bundle.py"), str(bundle)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=bundle,
    )


def _bundle(
    tmp_path: Path, key: Ed25519PrivateKey, signer: Ed25519PrivateKey | None = None
) -> Path:
    records = _records(37)
    cps = _checkpoints(records, [5, 16, 30, 37], key)
    if signer is not None:
        cps[2] = _checkpoints(records, [30], signer)[0]
    bundle = tmp_path / "bundle"
    write_bundle(bundle, records, cps, _pem(key), proof_indices=[0, 7, 19, 36])
    return bundle


def test_untouched_bundle_verifies(tmp_path: Path, bare_python: Path) -> None:
    bundle = _bundle(tmp_path, Ed25519PrivateKey.generate())
    assert sorted(p.name for p in bundle.iterdir()) == [
        "audit-public.pem",
        "checkpoints",
        "proofs.json",
        "records.jsonl",
        "verify_bundle.py",
    ]
    done = _run(bare_python, bundle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK")
    proofs = json.loads((bundle / "proofs.json").read_text())
    assert len(proofs["inclusion"]) == 4 and len(proofs["consistency"]) == 3


def test_one_changed_byte_is_named_by_position(tmp_path: Path, bare_python: Path) -> None:
    bundle = _bundle(tmp_path, Ed25519PrivateKey.generate())
    lines = (bundle / "records.jsonl").read_bytes().split(b"\n")
    line = lines[24]  # position 28: 25th record, after the gap in positions
    assert json.loads(line)["position"] == 28
    at = line.index(b'"state":"') + len(b'"state":"')
    lines[24] = line[:at] + (b"B" if line[at : at + 1] != b"B" else b"C") + line[at + 1 :]
    (bundle / "records.jsonl").write_bytes(b"\n".join(lines))
    done = _run(bare_python, bundle)
    assert done.returncode == 1, done.stdout
    assert "record at position 28 (line 25): changed since export" in done.stdout
    assert "root does not match" in done.stdout


def test_checkpoint_signed_by_another_key_fails(tmp_path: Path, bare_python: Path) -> None:
    bundle = _bundle(tmp_path, Ed25519PrivateKey.generate(), signer=Ed25519PrivateKey.generate())
    done = _run(bare_python, bundle)
    assert done.returncode == 1, done.stdout
    assert "checkpoint 0003.txt (size 30): signed by another key" in done.stdout
    assert done.stdout.count("PROBLEM") == 1


def test_forged_inclusion_proof_fails(tmp_path: Path, bare_python: Path) -> None:
    bundle = _bundle(tmp_path, Ed25519PrivateKey.generate())
    proofs = json.loads((bundle / "proofs.json").read_text())
    proofs["inclusion"][1]["proof"][0] = base64.b64encode(bytes(32)).decode()
    (bundle / "proofs.json").write_text(json.dumps(proofs))
    done = _run(bare_python, bundle)
    assert done.returncode == 1
    assert "record at position 8: inclusion proof" in done.stdout
