"""Finding 4 of the hardening issue: a history rewritten and re-signed with the audit key from
the data folder is caught by a witness (a real `safeshare witness` server on loopback, HTTPS
with a trustme certificate, its own key and store), while an honest extension verifies."""

from __future__ import annotations

import sqlite3
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.schools import copy_identity
from projections.checkpoint import sign_checkpoint
from projections.witness_note import add_checkpoint_body, cosigned_at
from safeshare.adapters.audit_key import load_audit_key, load_public_key
from safeshare.adapters.sealing import ERASED
from safeshare.adapters.store_backup import sqlite_restore
from safeshare.adapters.witness_client import witness_post
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki, free_port, make_pki
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.entrypoints.initialise import initialise
from safeshare.services.audit import audit_service
from safeshare.services.backups import backup, restore
from safeshare.services.health import Status, check_health
from safeshare.services.school import Safeshare
from safeshare.services.witnessing import (
    COSIGNED,
    REFUSED,
    fetch_tombstones,
    fetch_witnessed_checkpoint,
)
from safeshare.settings import Settings
from safeshare.witness.server import WitnessServer
from safeshare.witness.store import PUBLIC_KEY_FILE
from safeshare.witness.witness import Witness, init_witness
from tests.integration.test_audit import cli, record_cases
from tests.support import FakeClock, ago, born

WITNESS_NAME = "la.example/witness"


@dataclass
class Witnessed:
    school: Safeshare
    witness: Witness
    url: str
    public_key: Path
    clock: FakeClock


@pytest.fixture
def witnessed(identity_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[Witnessed]:
    """A school on the embedded default (its audit key in the data folder, as the attack
    needs) whose witness is the local authority's server on loopback."""
    pki = make_pki(tmp_path / "pki", "witness")
    public = init_witness(tmp_path / "witness", WITNESS_NAME)
    witness = Witness(tmp_path / "witness", clock)
    server = WitnessServer(("127.0.0.1", 0), witness, _server_tls(pki.server_pem)).start()
    data = tmp_path / "var"
    settings = Settings(data=data, witnesses=server.url, witness_ca_file=pki.ca_file)
    copy_identity(identity_template, data)
    initialise(settings, clock)
    school = build(settings, clock=clock)
    witness.add_log(settings.log_origin, settings.audit_public_key_path.read_text())
    try:
        yield Witnessed(school, witness, server.url, public, clock)
    finally:
        school.close()
        server.stop()


def _server_tls(pem: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    return context


def _save_witnessed(w: Witnessed, path: Path) -> Path:
    path.write_text(fetch_witnessed_checkpoint(w.school.settings, w.url), encoding="utf-8")
    return path


def _delete_a_row_and_renumber_the_rest(s: Safeshare, position: int) -> None:
    """What an insider with a shell does to the event store (SQLite, the embedded default)."""
    db = sqlite3.connect(s.settings.events_db, isolation_level=None)
    try:
        db.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))
        db.execute("UPDATE stored_events SET rowid = -(rowid - 1) WHERE rowid > ?", (position,))
        db.execute("UPDATE stored_events SET rowid = -rowid WHERE rowid < 0")
    finally:
        db.close()


def test_a_rewritten_history_re_signed_with_the_data_folder_key_is_caught_by_the_witness(
    witnessed: Witnessed, tmp_path: Path
) -> None:
    s = witnessed.school
    audit = audit_service(s)
    record_cases(s)
    first = audit.checkpoint()
    assert [a.outcome for a in audit.witness_answers][:1] == [COSIGNED], audit.witness_answers
    seen_first = _save_witnessed(witnessed, tmp_path / "witnessed-1.txt")

    # An honest extension: more records, a new checkpoint, cosigned with a consistency proof.
    witnessed.clock.advance(minutes=5)
    s.children.register("Ola Example", born(s.ctx.clock, 9), by="Office")
    second = audit.checkpoint()
    assert second.size > first.size
    assert [a.outcome for a in audit.witness_answers][:1] == [COSIGNED]
    seen = _save_witnessed(witnessed, tmp_path / "witnessed-2.txt")
    assert f"\n{second.size}\n" in seen.read_text()
    key = str(witnessed.public_key)
    honest = cli(s, "audit", "verify", "--witness", str(seen_first), "--witness", str(seen),
                 "--witness-key", key)  # fmt: skip
    assert honest.exit_code == 0, honest.output
    assert f"the newest witnessed checkpoint (size {second.size}, by {WITNESS_NAME}) is" in (
        honest.output
    )

    # The attack: delete a row, renumber the rest, rebuild the log and re-sign it with the
    # audit key from the data folder (also wiping the school's record of the witness).
    _delete_a_row_and_renumber_the_rest(s, 5)
    with audit.db.transaction() as tx:
        tx.execute("DELETE FROM integrity_checkpoints")
        tx.execute("DELETE FROM witness_cosigned")
    audit.runner.rebuild()
    for name in ("Padding One", "Padding Two"):
        s.children.register(name, born(s.ctx.clock, 8), by="Office")
    forged = audit.checkpoint()
    assert forged.size > second.size  # past what the witness saw: only a proof could pass
    assert audit.verify() == []  # the rewritten log agrees with itself
    assert [a.outcome for a in audit.witness_answers][:1] == [REFUSED]
    assert "HTTP 422" in audit.witness_answers[0].detail  # its proof does not verify

    caught = cli(s, "audit", "verify", "--witness", str(seen), "--witness-key", key)
    assert caught.exit_code == 1, caught.output
    assert "[witnessed-checkpoint]" in caught.output
    assert "the history was rewritten" in caught.output
    # The witness still holds what it saw, not the forgery.
    assert f"\n{second.size}\n" in fetch_witnessed_checkpoint(s.settings, witnessed.url)


def test_a_witness_refuses_a_checkpoint_that_does_not_extend_what_it_cosigned(
    witnessed: Witnessed,
) -> None:
    s = witnessed.school
    audit = audit_service(s)
    record_cases(s)
    first = audit.checkpoint()
    settings = s.settings
    text = first.to_text()
    # Another old size than the one it cosigned: 409 with the size it holds.
    status, body = witness_post(
        witnessed.url, "/add-checkpoint", add_checkpoint_body(1, [], text), settings.witness_ca_file
    )
    assert (status, body) == (409, f"{first.size}\n")
    # Same size, another root, signed with the school's own key (a fork): 409.
    fork = sign_checkpoint(
        first.origin, first.size, bytes(32), load_audit_key(settings), witnessed.clock()
    )
    status, body = witness_post(
        witnessed.url,
        "/add-checkpoint",
        add_checkpoint_body(first.size, [], fork.to_text()),
        settings.witness_ca_file,
    )
    assert (status, body) == (409, f"{first.size}\n")
    # Not signed by the log's key: 403.
    alien = sign_checkpoint(first.origin, first.size + 1, bytes(32), Ed25519PrivateKey.generate())
    status, _ = witness_post(
        witnessed.url,
        "/add-checkpoint",
        add_checkpoint_body(first.size, [], alien.to_text()),
        settings.witness_ca_file,
    )
    assert status == 403
    # An extension whose proof does not verify: 422.
    s.children.register("Ola Example", born(s.ctx.clock, 9), by="Office")
    audit.catch_up()
    with audit.db.transaction() as tx:
        later = audit.log.checkpoint(tx)
    bogus = [b"\x00" * 32] * 3
    status, _ = witness_post(
        witnessed.url,
        "/add-checkpoint",
        add_checkpoint_body(first.size, bogus, later.to_text()),
        settings.witness_ca_file,
    )
    assert status == 422
    # A log the witness does not know: 404.
    other = text.replace(settings.log_origin, "safeshare/elsewhere/audit")
    status, _ = witness_post(
        witnessed.url,
        "/add-checkpoint",
        add_checkpoint_body(0, [], other),
        settings.witness_ca_file,
    )
    assert status == 404


def test_a_cosignature_is_the_witness_key_over_the_checkpoint_and_its_time(
    witnessed: Witnessed,
) -> None:
    s = witnessed.school
    record_cases(s)
    audit_service(s).checkpoint()
    text = fetch_witnessed_checkpoint(s.settings, witnessed.url)
    key = load_public_key(witnessed.public_key.read_bytes())
    assert cosigned_at(text, WITNESS_NAME, key) == witnessed.clock().replace(microsecond=0)
    tampered = text.replace("\n\n", "\nrecorded-at x\n\n", 1)
    assert cosigned_at(tampered, WITNESS_NAME, key) is None
    assert (witnessed.public_key.parent / PUBLIC_KEY_FILE).exists()
    witnessing = {c.name: c for c in check_health(s).checks}["witnesses"]
    assert witnessing.status is Status.OK
    assert witnessing.detail.startswith("newest witnessed checkpoint (size ")
    assert witnessing.detail.endswith(" 0 minutes old")


def test_an_erasure_reaches_the_witness_as_a_tombstone_of_ids_only(
    witnessed: Witnessed, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = witnessed.school
    child_id = s.children.register("Ava Stone", born(s.ctx.clock, 10), by="Office")
    s.children.erase(str(child_id), "retention-ended", "DSL")
    assert fetch_tombstones(s.settings, witnessed.url) == {child_id}
    rows = witnessed.witness.store.tombstones(s.settings.log_origin)
    assert rows == [child_id]
    monkeypatch.setenv("SAFESHARE_WITNESS_CA_FILE", str(s.settings.witness_ca_file))
    held = cli(s, "witness", "tombstones", witnessed.url)
    assert child_id.hex in held.output, held.output


def test_verify_says_plainly_when_nothing_was_witnessed(witnessed: Witnessed) -> None:
    s = witnessed.school
    done = cli(s, "audit", "verify")
    assert done.exit_code == 0, done.output
    assert "witnessed: never" in done.output


def test_a_restore_of_every_store_and_the_tombstone_list_is_held_to_the_erasure_by_the_witness(
    witnessed: Witnessed, tmp_path: Path
) -> None:
    """Both stores and the local tombstone list are from before the erasure: the witness's
    tombstones are the remaining word of it, and the restore re-applies the erasure."""
    s, clock = witnessed.school, witnessed.clock
    settings = s.settings
    child_id = s.children.register("Ava Stone", born(clock, 10), by="Office")
    concern_id = s.concerns.raise_concern(
        str(child_id), "neglect", "No lunch again.", ago(clock, hours=1), "Mr Jones"
    )
    audit_service(s).checkpoint()
    folder = tmp_path / "backups" / "before-erasure"
    backup(s, folder, "operator")
    s.children.erase(str(child_id), "retention-ended", "DSL")
    s.close()
    settings.tombstones_path.unlink()  # the local list was lost (or put back) too
    sqlite_restore(folder / "events.sqlite", settings.events_db)

    done = restore(settings, folder, lambda: build(settings, clock=clock), "operator")

    assert done["erasures_known_to_witnesses"] == 1 and done["witnesses_not_reached"] == []
    assert done["erasures_recorded_again"] == [str(child_id)]
    again = build(settings, clock=clock)
    try:
        assert again.keystore.get(child_id) is None
        assert again.views.show_concern(str(concern_id), "DSL")["concern"]["facts"] == ERASED
    finally:
        again.close()


def test_a_witness_operator_sets_a_log_aside_after_a_confirmed_restore(
    witnessed: Witnessed,
) -> None:
    s = witnessed.school
    record_cases(s)
    first = audit_service(s).checkpoint()
    held = witnessed.witness.store.set_aside(s.settings.log_origin, witnessed.clock())
    assert held is not None and held.size == first.size
    assert witnessed.witness.store.latest(s.settings.log_origin) is None
    with pytest.raises(Exception, match="404"):
        fetch_witnessed_checkpoint(s.settings, witnessed.url)


def test_safeshare_witness_serve_cosigns_a_schools_checkpoint_over_https(
    identity_template: Path, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The witness as a local authority runs it: `safeshare witness init`, `add-log`, `serve`
    (its own process, its own folder), and the school's `audit checkpoint` reaching it."""
    pki = make_pki(tmp_path / "pki", "witness")
    data = tmp_path / "var"
    settings = Settings(data=data)
    copy_identity(identity_template, data)
    initialise(settings, clock)
    school = build(settings, clock=clock)
    folder = tmp_path / "witness"
    try:
        school.children.register("Ava Stone", born(clock, 10), by="Office")
        made = cli(school, "witness", "init", "--dir", str(folder), "--name", WITNESS_NAME)
        assert made.exit_code == 0 and made.output.strip().endswith(PUBLIC_KEY_FILE), made.output
        added = cli(school, "witness", "add-log", "--dir", str(folder), "--origin",
                    settings.log_origin, "--key", str(settings.audit_public_key_path))  # fmt: skip
        assert added.exit_code == 0, added.output
        port = free_port()
        serve = subprocess.Popen(
            [sys.executable, "-m", "safeshare.entrypoints.cli", "witness", "serve", "--dir",
             str(folder), "--cert", str(pki.server_pem), "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert serve.stdout is not None
            assert "serving on" in serve.stdout.readline()
            url = f"https://127.0.0.1:{port}"
            monkeypatch.setenv("SAFESHARE_WITNESSES", url)
            monkeypatch.setenv("SAFESHARE_WITNESS_CA_FILE", str(pki.ca_file))
            signed = cli(school, "audit", "checkpoint")
            assert f"witness {url}: cosigned" in signed.output, signed.output
            held = cli(school, "witness", "checkpoint", url)
            (tmp_path / "witnessed.txt").write_text(held.output)
            verified = cli(school, "audit", "verify", "--witness", str(tmp_path / "witnessed.txt"),
                           "--witness-key", str(folder / PUBLIC_KEY_FILE))  # fmt: skip
            assert verified.exit_code == 0, verified.output
            assert f"by {WITNESS_NAME}) is 0 minutes old" in verified.output
        finally:
            serve.terminate()
            serve.wait(10)
    finally:
        school.close()


def test_a_witness_by_email_gets_each_new_checkpoint_once_to_keep(
    identity_template: Path,
    tmp_path: Path,
    clock: FakeClock,
    agency_pki: AgencyPki,
    smtp_agency: SmtpAgency,
) -> None:
    """The trust's auditor has a mailbox, not a server: each new checkpoint (and the
    tombstones) reaches it over the school's SMTP relay, and the attachment it keeps is what
    `audit verify --checkpoint` checks the store against."""
    settings = Settings(
        data=tmp_path / "var",
        witness_emails="auditor@trust.example",
        smtp_host=smtp_agency.host,
        smtp_port=smtp_agency.port,
        tls_ca_file=agency_pki.ca_file,
        channel_timeout_seconds=5.0,
    )
    copy_identity(identity_template, settings.data)
    initialise(settings, clock)
    s = build(settings, clock=clock)
    try:
        child_id = s.children.register("Ava Stone", born(clock, 10), by="Office")
        s.children.erase(str(child_id), "retention-ended", "DSL")
        cp = audit_service(s).checkpoint()
        assert [a.outcome for a in audit_service(s).witness_answers] == ["sent"], audit_service(
            s
        ).witness_answers
        audit_service(s).checkpoint()  # nothing new: not mailed again
        [mail] = smtp_agency.messages
        assert mail.subject == f"safeshare checkpoint: {cp.origin} size {cp.size}"
        parts = {p.get_filename(): p.get_content() for p in mail.message.iter_attachments()}
        assert parts["checkpoint.txt"].replace("\r\n", "\n") == cp.to_text()
        assert child_id.hex in parts["tombstones.txt"]
        assert "Ava" not in mail.raw.decode()
        kept = tmp_path / "checkpoint.txt"
        kept.write_bytes(parts["checkpoint.txt"].encode())  # as saved, CRLF and all
        done = cli(s, "audit", "verify", "--checkpoint", str(kept))
        assert done.exit_code == 0, done.output
    finally:
        s.close()
