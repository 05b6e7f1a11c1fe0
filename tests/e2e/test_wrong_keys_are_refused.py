"""Finding 6 of the hardening issue: a wrong or missing key never poisons a store.

Each store remembers its key's fingerprint; a key that does not match is refused at start-up,
naming the file, and `init` never writes a new key beside a store that already holds records.
"""

from __future__ import annotations

import base64
import os

import pytest

from tests.e2e.test_recorded_text_shown_as_written import WideCli, cli

__all__ = ["cli"]


def _one_child(cli: WideCli) -> None:
    cli.json("child", "add", "--name", "Kit Lane", "--dob", "2014-02-03")


@pytest.mark.parametrize("key_file", ["event-store.key", "kek.key"])
def test_init_never_writes_a_new_key_beside_a_store_that_holds_records(
    cli: WideCli, key_file: str
) -> None:
    _one_child(cli)
    key = cli.data / "keys" / key_file
    key.unlink()
    done = cli.run("init")
    assert done.returncode == 2
    assert str(key) in done.stderr.replace("\n", "") and "missing" in done.stderr
    assert not key.exists()


@pytest.mark.parametrize("key_file", ["event-store.key", "kek.key"])
def test_a_key_the_store_was_not_made_with_is_refused_naming_the_file(
    cli: WideCli, key_file: str
) -> None:
    _one_child(cli)
    before = cli.position()
    key = cli.data / "keys" / key_file
    key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    for command in (["worklist"], ["child", "add", "--name", "Lou Fen", "--dob", "2014-02-03"]):
        done = cli.run(*command)
        assert done.returncode == 2, done.stdout
        assert key_file in done.stderr and "not the key" in done.stderr
    assert cli.position() == before


def test_an_audit_key_the_integrity_log_was_not_made_with_is_refused(cli: WideCli) -> None:
    _one_child(cli)
    assert cli.run("audit", "checkpoint").returncode == 0
    key = cli.data / "keys" / "audit-ed25519.pem"
    key.unlink()
    assert cli.run("init").returncode == 2
    assert not key.exists()

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    other = Ed25519PrivateKey.generate()
    key.write_bytes(other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    done = cli.run("audit", "checkpoint")
    assert done.returncode == 2
    assert "audit-ed25519.pem" in done.stderr and "not the key" in done.stderr
