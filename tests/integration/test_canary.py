"""Nothing that identifies a child is left in plain text at rest, and erasure is final.

A child named with a canary is recorded with canary facts; then every file under the data
folder, and a `pg_dump` of the school's schemas, are read as bytes and searched.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from safeshare.adapters.sealing import KeyEncryptionKey
from safeshare.services.school import Safeshare
from tests.support import CANARY_FACT, CANARY_NAME, PG_DB, ago, born

NEEDLES = [CANARY_NAME.encode(), b"Quixote", CANARY_FACT.encode(), b"quixotic canary"]


def record_canary_case(school: Safeshare) -> tuple[str, str]:
    child = str(
        school.children.register(
            CANARY_NAME,
            born(school.ctx.clock, 11),
            by="Office",
            upn="C999999999999",
            address="1 Canary Wharf Quixote Lane",
        )
    )
    cid = str(
        school.concerns.raise_concern(
            child,
            "sexual-abuse",
            CANARY_FACT,
            ago(school.ctx.clock, hours=2),
            "Ms Green",
            opinion=f"I worry about {CANARY_NAME}",
        )
    )
    school.concerns.record_consent(
        cid,
        "not-sought",
        "DSL",
        reason="risk-to-child",
        note=f"{CANARY_NAME}'s stepfather is the alleged abuser",
    )
    school.concerns.record_lawful_basis(
        cid, "public-task", f"{CANARY_NAME} at risk", "DSL", article9="safeguarding"
    )
    school.children.record_person(
        child, "mother", "Mrs Quixote", "DSL", note=f"{CANARY_NAME}'s mother", contact="07 quixote"
    )
    school.concerns.correct_facts(cid, f"{CANARY_FACT}, corrected", f"{CANARY_NAME} said", "DSL")
    school.concerns.add_to_facts(cid, f"{CANARY_NAME} said more", "Quixote follow-up", "DSL")
    school.concerns.tell_family_at_outset(cid, False, "DSL", reason=f"{CANARY_NAME} at risk")
    school.concerns.seek_advice(
        cid, "GP", f"About {CANARY_NAME}?", "DSL", identified=True, identified_reason="Quixote"
    )
    request = school.requests.receive(
        cid, "mash", f"{CANARY_NAME}'s file", "Quixote audit", "DSL", cites="s16h"
    )
    school.concerns.decide(
        cid,
        True,
        f"Disclosure by {CANARY_NAME}",
        "DSL",
        purpose="Strategy discussion",
        to=["mash", "police"],
    )
    school.requests.answer(str(request), False, f"Not for {CANARY_NAME}", "DSL")
    school.requests.reply(str(request), f"Told them why, about {CANARY_NAME}", "DSL")
    school.views.show_concern(cid, "DSL")
    return child, cid


def data_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in folder.rglob("*") if p.is_file()]


def pg_dump(school: Safeshare) -> bytes:
    out = subprocess.run(
        [
            "pg_dump",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            PG_DB,
            "-n",
            f"{school.settings.pg_schema}*",
        ],
        check=True,
        capture_output=True,
    )
    return out.stdout


def test_no_canary_in_plain_text_at_rest(school: Safeshare) -> None:
    _, cid = record_canary_case(school)
    assert school.views.show_concern(cid, "DSL")["concern"]["child"]["name"] == CANARY_NAME
    for path, content in data_bytes(school.settings.data):
        for needle in NEEDLES:
            assert needle not in content, f"{needle!r} found in {path}"
    if school.settings.uses_postgres:
        dump = pg_dump(school)
        assert b"safeshare_events" in dump  # the dump really holds the event store
        for needle in NEEDLES:
            assert needle not in dump


def test_after_erasure_the_canary_cannot_be_recovered_with_the_keys_that_remain(
    school: Safeshare,
) -> None:
    child_id, cid = record_canary_case(school)
    other = school.children.register("Someone Else", born(school.ctx.clock, 14), by="Office")
    school.children.erase(child_id, "retention-ended", "DSL")
    assert school.views.show_concern(cid, "DSL")["concern"]["facts"] == "[erased]"

    kek = KeyEncryptionKey.load(school.settings.kek_path)
    remaining = [school.keystore.get(other)]
    assert school.keystore.get(UUID(child_id)) is None
    assert school.keystore.count() >= 1
    keys = [AESGCM(aes_key_unwrap(kek.secret, w)) for w in remaining if w is not None]

    from domain.concern import Concern

    concern = school.app.get(UUID(cid), Concern)
    tokens = [concern.facts, concern.opinion, concern.consent.note]
    opened = 0
    for sealed in tokens:
        assert sealed is not None
        raw = base64.urlsafe_b64decode(sealed.token)
        for key in keys:
            for aad in (
                None,
                b"",
                f"safeshare/1|{child_id.replace('-', '')}|{sealed.field}".encode(),
            ):
                try:
                    key.decrypt(raw[:12], raw[12:], aad)
                    opened += 1
                except InvalidTag:
                    pass
    assert opened == 0
