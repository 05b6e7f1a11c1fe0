"""What auditors verify, on SQLite and on the real PostgreSQL, tampering with the real database
underneath safeshare (DESIGN.md "Integrity: what auditors verify")."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from projections.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from projections.integrity_diagnosis import (
    CHANGED,
    CHECKPOINT_CONSISTENCY,
    CHECKPOINT_ROOT,
    CHECKPOINT_SIGNATURE,
    CHECKPOINT_SIZE,
    INSERTED,
    REMOVED,
    RENUMBERED,
    SWAPPED,
    TRUNCATED,
    Problem,
)
from safeshare.adapters.audit_key import load_audit_key, public_key_pem
from safeshare.adapters.sealing import ERASED
from safeshare.entrypoints.cli.main import app as cli_app
from safeshare.entrypoints.initialise import initialise
from safeshare.services.audit import AuditService, audit_service
from safeshare.services.school import Safeshare
from tests.integration.test_bundle_offline import bare_python
from tests.support import CANARY_FACT, CANARY_NAME, PG_URL, FakeClock, ago, born

__all__ = ["bare_python"]

LATER_NOTE = "later-note: recorded after the as-of moment"


# -- the raw store, altered underneath safeshare -------------------------------------------------


class RawStore:
    """The school's stored events table, reached with plain SQL as an intruder would."""

    def __init__(self, s: Safeshare) -> None:
        self.pg = s.settings.uses_postgres
        table = getattr(s.app.recorder, "events_table_name", "stored_events")
        if self.pg:
            self.conn: Any = psycopg.connect(PG_URL, autocommit=True)
            self.table = f"{s.settings.pg_schema}.{table}"
            self.pos = "notification_id"
        else:
            self.conn = sqlite3.connect(s.settings.events_db, isolation_level=None)
            self.table, self.pos = table, "rowid"

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pg:
            statement = statement.replace("?", "%s")
            cur = self.conn.execute(statement, params)
            return list(cur.fetchall()) if cur.description else []
        return list(self.conn.execute(statement, params).fetchall())

    def positions(self) -> list[int]:
        return [int(r[0]) for r in self.run(f"SELECT {self.pos} FROM {self.table} ORDER BY 1")]

    def change_a_byte(self, p: int) -> None:
        (state_,) = self.run(f"SELECT state FROM {self.table} WHERE {self.pos} = ?", (p,))[0]
        data = bytearray(state_)
        data[len(data) // 2] ^= 0x01
        self.run(f"UPDATE {self.table} SET state = ? WHERE {self.pos} = ?", (bytes(data), p))

    def delete(self, p: int) -> None:
        self.run(f"DELETE FROM {self.table} WHERE {self.pos} = ?", (p,))

    def swap(self, p: int, q: int) -> None:
        for a, b in ((p, -1), (q, p), (-1, q)):
            self.run(f"UPDATE {self.table} SET {self.pos} = ? WHERE {self.pos} = ?", (b, a))

    def insert_renumbered(self, p: int) -> None:
        """Insert a forged record at `p`, moving every later record up one to make room."""
        self.run(
            f"UPDATE {self.table} SET {self.pos} = -{self.pos} - 1 WHERE {self.pos} >= ?", (p,)
        )
        self.run(f"UPDATE {self.table} SET {self.pos} = -{self.pos} WHERE {self.pos} < 0")
        oid, topic, state_ = self.run(
            f"SELECT originator_id, topic, state FROM {self.table} WHERE {self.pos} = ?", (p + 1,)
        )[0]
        self.run(
            f"INSERT INTO {self.table} ({self.pos}, originator_id, originator_version, topic, "
            "state) VALUES (?, ?, ?, ?, ?)",
            (p, oid, 999, topic, state_),
        )

    def delete_from(self, p: int) -> None:
        self.run(f"DELETE FROM {self.table} WHERE {self.pos} >= ?", (p,))

    def close(self) -> None:
        self.conn.close()


@contextmanager
def raw_store(s: Safeshare) -> Iterator[RawStore]:
    raw = RawStore(s)
    try:
        yield raw
    finally:
        raw.close()


# -- helpers ---------------------------------------------------------------------------------------


def record_cases(s: Safeshare) -> list[UUID]:
    """Two children, three concerns, a few steps each: a realistic small record."""
    now = s.ctx.clock()
    kid = s.children.register(CANARY_NAME, born(s.ctx.clock, 12), by="Office")
    other = s.children.register("Ola Example", born(s.ctx.clock, 13), by="Office")
    concerns = []
    for child, facts in ((kid, CANARY_FACT), (other, "Left alone at the gate"), (kid, "Bruise")):
        cid = s.concerns.raise_concern(
            str(child), "neglect", facts, (now - timedelta(hours=1)).isoformat(), "Mr Jones"
        )
        s.concerns.record_consent(str(cid), "sought", "DSL", from_whom="parent")
        concerns.append(cid)
    return concerns


def leaf_kinds(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.kind, p.position) for p in problems if not p.kind.startswith("checkpoint")]


def cli(s: Safeshare, *args: str) -> Any:
    """Run `safeshare ...` against this school, as a separate invocation would."""
    env = {"SAFESHARE_DATA": str(s.settings.data), "SAFESHARE_SCHOOL": s.settings.school}
    if s.settings.database_url:
        env["SAFESHARE_DATABASE_URL"] = s.settings.database_url
    if s.settings.audit_key_file:
        env["SAFESHARE_AUDIT_KEY_FILE"] = str(s.settings.audit_key_file)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return CliRunner().invoke(cli_app, list(args))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- tampering -------------------------------------------------------------------------------------


def test_untouched_store_verifies(school: Safeshare) -> None:
    record_cases(school)
    audit = audit_service(school)
    audit.checkpoint()
    assert audit.verify() == []
    done = cli(school, "audit", "verify")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("OK")
    school.children.register("Nia Example", born(school.ctx.clock, 10), by="Office")
    verdict = json.loads(cli(school, "audit", "verify", "--json").output)
    assert verdict["ok"] is True and verdict["unlogged_records"] == 1
    done = cli(school, "audit", "checkpoint")
    assert done.exit_code == 0, done.output
    signed = Checkpoint.from_text(done.output)
    assert signed.origin == school.settings.log_origin and verify_checkpoint(
        signed, audit.public_key
    )
    assert audit.checkpoints()[-1] == signed
    assert audit.verify() == [] and audit.unlogged() == 0
    # The log holds hashes, positions and signed notes: nothing personal.
    with audit.db.transaction() as tx:
        for table in ("integrity_leaves", "integrity_state", "integrity_checkpoints"):
            text = repr(tx.fetchall(f"SELECT * FROM {table}"))
            assert CANARY_NAME not in text and "Zebedee" not in text


@pytest.mark.parametrize("tampering", ["changed", "removed", "swapped", "inserted", "truncated"])
def test_each_tampering_is_named_with_its_position(school: Safeshare, tampering: str) -> None:
    record_cases(school)
    audit = audit_service(school)
    audit.checkpoint()
    with raw_store(school) as raw:
        ps = raw.positions()
        p, q = ps[len(ps) // 2], ps[len(ps) // 2 + 3]
        expected: list[tuple[str, int | None]]
        if tampering == "changed":
            raw.change_a_byte(p)
            expected = [(CHANGED, p)]
        elif tampering == "removed":
            raw.delete(p)
            expected = [(REMOVED, p)]
        elif tampering == "swapped":
            raw.swap(p, q)
            expected = [(SWAPPED, p)]
        elif tampering == "inserted":
            raw.insert_renumbered(p)
            expected = [(INSERTED, p), (RENUMBERED, p + 1)]
        else:
            raw.delete_from(p)
            expected = [(TRUNCATED, p)]
    problems = audit.verify()
    assert leaf_kinds(problems) == expected
    # ... and the signed checkpoint no longer holds over the store.
    assert {pr.kind for pr in problems} & {CHECKPOINT_ROOT, CHECKPOINT_SIZE}

    done = cli(school, "audit", "verify")
    assert done.exit_code == 1, done.output
    assert f"[{expected[0][0]}] at position {p}" in done.output
    as_json = json.loads(cli(school, "audit", "verify", "--json").output)
    assert as_json["ok"] is False
    assert (expected[0][0], p) in [(x["kind"], x["position"]) for x in as_json["problems"]]


def test_a_record_altered_so_it_no_longer_reads_is_located(sqlite_school: Safeshare) -> None:
    record_cases(sqlite_school)
    audit = audit_service(sqlite_school)
    audit.checkpoint()
    with raw_store(sqlite_school) as raw:
        raw.run(f"UPDATE {raw.table} SET state = CAST(X'FF00FF' AS TEXT) WHERE rowid = 7")
    with pytest.raises(ValueError, match="cannot be read after position 6"):
        audit.verify()
    done = cli(sqlite_school, "audit", "verify")
    assert done.exit_code == 1 and "cannot be read" in done.output


def test_checkpoint_signed_by_another_key_is_named(school: Safeshare, tmp_path: Path) -> None:
    record_cases(school)
    audit = audit_service(school)
    cp = audit.checkpoint()
    forged = sign_checkpoint(cp.origin, cp.size, cp.root, Ed25519PrivateKey.generate())
    (tmp_path / "forged.txt").write_text(forged.to_text())
    (tmp_path / "kept.txt").write_text(cp.to_text())
    assert [p.kind for p in audit.verify([forged])] == [CHECKPOINT_SIGNATURE]
    done = cli(school, "audit", "verify", "--checkpoint", str(tmp_path / "forged.txt"))
    assert done.exit_code == 1 and "signed by another key" in done.output
    done = cli(school, "audit", "verify", "--checkpoint", str(tmp_path / "kept.txt"))
    assert done.exit_code == 0, done.output
    # A forged checkpoint slipped into the log's own table is named too.
    with audit.db.transaction() as tx:
        tx.execute(
            "INSERT INTO integrity_checkpoints (seq, size, position, recorded_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (99, cp.size, 0, school.ctx.clock().isoformat(), forged.to_text()),
        )
    problems = audit.verify()
    assert [(p.kind, p.message.split(" signed")[0]) for p in problems] == [
        (CHECKPOINT_SIGNATURE, f"checkpoint 2 (size {cp.size})")
    ]


def test_rewritten_and_re_signed_log_is_caught_by_an_auditors_kept_checkpoint(
    school: Safeshare,
) -> None:
    record_cases(school)
    audit = audit_service(school)
    kept = audit.checkpoint()
    with raw_store(school) as raw:
        raw.change_a_byte(raw.positions()[5])
    # The intruder holds the audit key: rebuilds the log from the altered store and re-signs.
    with audit.db.transaction() as tx:
        tx.execute("DELETE FROM integrity_checkpoints")
    audit.runner.rebuild()
    audit.checkpoint()
    assert audit.verify() == []  # the rewritten log agrees with itself
    kinds = {p.kind for p in audit.verify([kept])}
    assert kinds == {CHECKPOINT_ROOT, CHECKPOINT_CONSISTENCY}


def test_the_audit_key_is_made_once_private_to_its_owner(sqlite_school: Safeshare) -> None:
    settings = sqlite_school.settings
    assert stat.S_IMODE(settings.audit_key_path.stat().st_mode) == 0o600
    public = settings.audit_public_key_path.read_bytes()
    assert public == public_key_pem(load_audit_key(settings).public_key())
    assert initialise(settings) == []  # idempotent: nothing made twice, the key unchanged
    assert settings.audit_public_key_path.read_bytes() == public


def test_checkpoints_are_recorded_every_n_events(school: Safeshare) -> None:
    audit = AuditService(school)
    audit.log.every_events = 5
    record_cases(school)
    audit.catch_up()
    sizes = [cp.size for cp in audit.checkpoints()]
    assert sizes and all(size % 5 == 0 for size in sizes)
    assert sizes == sorted(sizes)
    assert audit.verify() == []


def test_a_checkpoint_is_recorded_when_the_interval_has_passed(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    audit = AuditService(sqlite_school)
    audit.log.every_events = 10_000
    record_cases(sqlite_school)
    audit.catch_up()
    assert audit.checkpoints() == []
    clock.advance(minutes=sqlite_school.settings.checkpoint_every_minutes + 1)
    sqlite_school.children.register("Late Example", born(sqlite_school.ctx.clock, 11), by="Office")
    audit.catch_up()
    (cp,) = audit.checkpoints()
    assert cp.recorded_at == clock.now and cp.size == audit.runner.position()
    assert audit.verify() == []


# -- as-of replay ----------------------------------------------------------------------------------


def _two_steps(s: Safeshare, clock: FakeClock) -> tuple[str, datetime, datetime]:
    kid = s.children.register(CANARY_NAME, born(clock, 12), by="Office")
    cid = s.concerns.raise_concern(str(kid), "neglect", CANARY_FACT, ago(clock), "Mr Jones")
    clock.advance(minutes=10)
    s.concerns.record_consent(str(cid), "sought", "DSL", from_whom="parent", note=LATER_NOTE)
    events = s.views.show_concern(str(cid), "test")["events"]
    first, second = (datetime.fromisoformat(e["recorded_at"]) for e in events[:2])
    return str(cid), first, second


def test_replay_between_two_events_shows_only_the_first(
    school: Safeshare, clock: FakeClock
) -> None:
    cid, first, second = _two_steps(school, clock)
    between = first + (second - first) / 2
    answer = audit_service(school).replay(cid, between.isoformat())
    assert answer["existed"] is True
    assert [e["version"] for e in answer["events"]] == [1]
    assert all(e["included"] for e in answer["events"])
    assert answer["concern"]["facts"] == CANARY_FACT
    assert answer["concern"]["child"]["name"] == CANARY_NAME
    assert answer["concern"]["consent"]["status"] != "sought"
    assert LATER_NOTE not in json.dumps(answer)

    later = audit_service(school).replay(cid, second.isoformat())
    assert [e["version"] for e in later["events"]] == [1, 2]
    assert all(e["included"] for e in later["events"])


def test_replay_before_the_concern_existed_says_so(school: Safeshare, clock: FakeClock) -> None:
    cid, first, _ = _two_steps(school, clock)
    answer = audit_service(school).replay(cid, (first - timedelta(seconds=1)).isoformat())
    assert answer["existed"] is False
    assert "did not exist yet" in answer["message"]
    assert answer["events"] == []
    long_before = ago(clock, days=365 * 25)
    done = cli(school, "audit", "replay", cid, "--as-of", long_before)
    assert done.exit_code == 0 and "did not exist yet" in done.output


def test_replay_gives_the_same_answer_for_the_same_instant_in_any_offset(
    school: Safeshare, clock: FakeClock
) -> None:
    cid, first, second = _two_steps(school, clock)
    between = first + (second - first) / 2
    answers = []
    for offset in ("+05:30", "-08:00", "Z", "+00:00"):
        hours, minutes = (0, 0) if offset in ("Z", "+00:00") else map(int, offset[1:].split(":"))
        sign = -1 if offset.startswith("-") else 1
        shift = timedelta(hours=hours, minutes=minutes) * sign
        local = (between + shift).replace(tzinfo=None).isoformat() + offset
        answer = audit_service(school).replay(cid, local)
        assert datetime.fromisoformat(answer["as_of"]) == between
        answers.append({k: v for k, v in answer.items() if k != "as_of"})
    assert all(a == answers[0] for a in answers)
    assert [e["version"] for e in answers[0]["events"]] == [1]
    done = cli(school, "audit", "replay", cid, "--as-of", between.isoformat(), "--json")
    assert done.exit_code == 0, done.output
    assert [e["version"] for e in json.loads(done.output)["events"]] == [1]


# -- export, offline verification ------------------------------------------------------------------


def test_exported_bundle_verifies_offline_and_fails_after_a_byte_changes(
    school: Safeshare, tmp_path: Path, bare_python: Path
) -> None:
    concerns = record_cases(school)
    bundle = tmp_path / "bundle"
    done = cli(school, "audit", "export", str(bundle), "--concern", str(concerns[0]), "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["inclusion_proofs"] == 2
    for f in bundle.rglob("*"):
        if f.is_file():
            assert CANARY_NAME.encode() not in f.read_bytes()
            assert CANARY_FACT.encode() not in f.read_bytes()

    def offline() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bare_python), "-I", str(bundle / "verify_bundle.py"), str(bundle)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    ok = offline()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK")

    lines = (bundle / "records.jsonl").read_bytes().split(b"\n")
    line = lines[3]
    at = line.index(b'"state":"') + len(b'"state":"') + 5
    lines[3] = line[:at] + (b"A" if line[at : at + 1] != b"A" else b"B") + line[at + 1 :]
    (bundle / "records.jsonl").write_bytes(b"\n".join(lines))
    bad = offline()
    position = json.loads(line)["position"]
    assert bad.returncode == 1, bad.stdout
    assert f"record at position {position} (line 4): changed since export" in bad.stdout


# -- erasure ---------------------------------------------------------------------------------------


def test_after_child_erase_verify_passes_and_replay_shows_erased(school: Safeshare) -> None:
    concerns = record_cases(school)
    audit = audit_service(school)
    audit.checkpoint()
    child_id = school.views.show_concern(str(concerns[0]), "test")["concern"]["child"]["child_id"]
    school.children.erase(child_id, "retention-ended", "DSL")
    assert audit.verify() == []
    audit.checkpoint()  # the erasure events are logged and signed like any other
    assert audit.verify() == [] and audit.unlogged() == 0
    assert cli(school, "audit", "verify").exit_code == 0
    answer = audit.replay(str(concerns[0]), school.ctx.clock().isoformat())
    assert answer["concern"]["facts"] == ERASED
    assert answer["concern"]["child"]["name"] == ERASED
    assert CANARY_NAME not in json.dumps(answer) and CANARY_FACT not in json.dumps(answer)
    assert all(e["included"] for e in answer["events"])
