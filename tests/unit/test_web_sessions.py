"""Web sessions live in the school's database: they end when idle or too old, ended ones are
forgotten, signing out deletes them, and nothing in the table can be replayed or read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from domain.user import Role
from projections.db import SQLiteProjectionDb
from safeshare.entrypoints.web.sessions import SWEEP_EVERY, SessionStore, id_hash
from safeshare.services.accounts import Account
from tests.support import FakeClock


def an_account() -> Account:
    return Account(uuid4(), "Ms Green", "green@school.test", Role.STAFF, enrolled=False)


def _store(tmp_path: Path, clock: FakeClock, hours: float = 10) -> SessionStore:
    db = SQLiteProjectionDb(tmp_path / "projections.sqlite")
    return SessionStore(db, clock, idle=timedelta(minutes=30), absolute=timedelta(hours=hours))


def test_sessions_nobody_came_back_to_are_forgotten(tmp_path: Path) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock)
    for _ in range(SWEEP_EVERY - 1):
        store.save(store.new())
    clock.advance(minutes=31)
    kept = store.new()
    store.save(kept)  # the sweep runs once this one is stored
    assert len(store) == 1
    again = store.get(kept.sid)
    assert again is not None and again.csrf == kept.csrf


def test_a_session_used_within_the_idle_time_lives_until_its_absolute_end(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock, hours=1)
    s = store.new()
    store.save(s)
    clock.advance(minutes=29)
    used = store.get(s.sid)
    assert used is not None
    store.save(used)
    clock.advance(minutes=29)
    used = store.get(s.sid)
    assert used is not None
    store.save(used)
    clock.advance(minutes=3)
    assert store.get(s.sid) is None


def test_an_idle_session_ends(tmp_path: Path) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock)
    s = store.new()
    store.save(s)
    clock.advance(minutes=31)
    assert store.get(s.sid) is None
    assert len(store) == 0


def test_signing_out_deletes_the_session(tmp_path: Path) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock)
    signed_in = store.begin(store.new(), an_account())
    store.save(signed_in)
    store.end(signed_in)
    store.save(signed_in)  # the response after signing out does not bring it back
    assert store.get(signed_in.sid) is None
    assert len(store) == 0


def test_the_table_holds_neither_the_id_nor_what_the_session_carries(tmp_path: Path) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock)
    s = store.new()
    s.pending_secret = "JBSWY3DPEHPK3PXP"
    s.drafts["c1"] = {"reasons": "Ben said his stepfather hit him"}
    store.save(s)
    raw = b"".join(f.read_bytes() for f in tmp_path.glob("projections.sqlite*"))
    assert id_hash(s.sid).encode() in raw  # the row is there (in the file or its WAL)
    for plain in (s.sid, s.csrf, "JBSWY3DPEHPK3PXP", "stepfather"):
        assert plain.encode() not in raw
    back = store.get(s.sid)
    assert back is not None and back.drafts == s.drafts and back.pending_secret == s.pending_secret
    assert store.get(s.sid[:-1] + ("A" if s.sid[-1] != "A" else "B")) is None


def test_two_requests_of_one_session_at_once_keep_each_others_changes(tmp_path: Path) -> None:
    """A page and its favicon, or two tabs: each request's change is kept."""
    clock = FakeClock()
    store = _store(tmp_path, clock)
    s = store.new()
    s.drafts["c1"] = {"purpose": "first"}
    store.save(s)
    one, two = store.get(s.sid), store.get(s.sid)
    assert one is not None and two is not None
    one.flash = "Consent recorded."
    one.drafts["c1"] = {"purpose": "changed"}
    two.drafts["c2"] = {"share": "yes"}
    store.save(one)
    store.save(two)
    back = store.get(s.sid)
    assert back is not None
    assert back.flash == "Consent recorded."
    assert back.drafts == {"c1": {"purpose": "changed"}, "c2": {"share": "yes"}}


def test_a_request_in_flight_does_not_bring_back_a_session_signed_out_meanwhile(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    store = _store(tmp_path, clock)
    s = store.begin(store.new(), an_account())
    store.save(s)
    in_flight, signing_out = store.get(s.sid), store.get(s.sid)
    assert in_flight is not None and signing_out is not None
    store.end(signing_out)
    in_flight.flash = "Saved."
    store.save(in_flight)
    assert store.get(s.sid) is None
    assert len(store) == 0
