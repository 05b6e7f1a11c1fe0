"""The witness protocol's bytes (C2SP tlog-witness request, tlog-cosignature, tombstones)."""

from __future__ import annotations

from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.checkpoint import sign_checkpoint
from projections.witness_note import (
    WitnessNoteError,
    add_checkpoint_body,
    cosignature_line,
    cosignature_times,
    cosigned_at,
    open_tombstones,
    parse_add_checkpoint,
    sign_tombstones,
)
from tests.support import FakeClock

ORIGIN = "safeshare/oaklands/audit"


def test_an_add_checkpoint_request_reads_back_as_written() -> None:
    cp = sign_checkpoint(ORIGIN, 9, bytes(range(32)), Ed25519PrivateKey.generate())
    proof = [bytes([i]) * 32 for i in range(3)]
    request = parse_add_checkpoint(add_checkpoint_body(8, proof, cp.to_text()))
    assert (request.old_size, request.proof, request.checkpoint) == (8, proof, cp.to_text())


@pytest.mark.parametrize(
    "body",
    [
        b"old 08\n\nx",
        b"new 1\n\nx",
        b"old 1\nnot-base64!\n\nx",
        b"old 1\nAAAA\n\nx",
        b"old 1\n",
        b"\xff\xfe",
    ],
)
def test_a_malformed_request_is_refused(body: bytes) -> None:
    with pytest.raises(WitnessNoteError):
        parse_add_checkpoint(body)


def test_a_cosignature_verifies_only_with_the_witness_key_name_and_body() -> None:
    clock = FakeClock()
    school, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text = sign_checkpoint(ORIGIN, 4, bytes(32), school, clock()).to_text()
    body = text.partition("\n\n")[0].encode() + b"\n"
    cosigned = text + cosignature_line("la/witness", witness, body, clock())
    at = clock().replace(microsecond=0)
    assert cosigned_at(cosigned, "la/witness", witness.public_key()) == at
    assert cosigned_at(cosigned, None, witness.public_key()) == at
    assert cosignature_times(cosigned) == [("la/witness", at)]
    assert cosigned_at(cosigned, "other/witness", witness.public_key()) is None
    assert cosigned_at(cosigned, None, Ed25519PrivateKey.generate().public_key()) is None
    assert cosigned_at(cosigned.replace("\n4\n", "\n5\n", 1), None, witness.public_key()) is None


def test_tombstones_open_only_with_the_logs_key() -> None:
    key = Ed25519PrivateKey.generate()
    ids = [uuid4(), uuid4()]
    note = sign_tombstones(ORIGIN, ids, key)
    assert open_tombstones(note, [key.public_key()]) == (ORIGIN, sorted(ids))
    with pytest.raises(WitnessNoteError, match="signed"):
        open_tombstones(note, [Ed25519PrivateKey.generate().public_key()])
    forged = note.replace(ids[0].hex, uuid4().hex)
    with pytest.raises(WitnessNoteError, match="signed"):
        open_tombstones(forged, [key.public_key()])
