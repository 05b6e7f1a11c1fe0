"""Projections: incremental equals rebuilt, exactly once under SIGKILL, erasure, no personal
data at rest, and following PostgreSQL by LISTEN/NOTIFY."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness.history import generate
from projections.chronology import entries
from projections.runner import Runner, wait_until
from projections.standards import Standards
from projections.timeliness import Timeliness, steps
from projections.workdays import Calendar
from safeshare.adapters.sealing import ERASED
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare
from tests.projection_support import dump
from tests.support import CANARY_FACT, CANARY_NAME, PG_URL, born

EVENTS = 3000


def test_incremental_equals_rebuilt(school: Safeshare) -> None:
    """Built a small batch at a time while the history grows, then dropped and rebuilt in one
    pass: the same rows, the same positions."""
    source, db = school.event_source(), school.projection_db()
    runners = [
        Runner(p, source, db, batch=97)
        for p in ps.school_projections(ps.staff_names(school)).values()
    ]
    recorded = 0
    for seed in (1, 2, 3):
        recorded += generate(school.app, EVENTS // 3, seed=seed, per_save=60)
        for r in runners:
            r.catch_up()
    assert recorded >= EVENTS
    head = source.max_position()
    assert all(r.position() == head for r in runners)
    incremental = dump(db)
    with db.transaction() as tx:
        (count,) = tx.fetchone("SELECT COUNT(*) FROM audit_trail") or (0,)
    assert count == head  # one audit row per recorded event

    seen: list[tuple[int, int]] = []
    assert ps.rebuild(school, progress=lambda pos, total: seen.append((pos, total))) == head
    assert seen[-1] == (head, head)
    assert all(r.position() == head for r in ps.runners(school))
    assert dump(db) == incremental


def _env(school: Safeshare) -> dict[str, str]:
    env = dict(os.environ)
    env["SAFESHARE_DATA"] = str(school.settings.data)
    env["SAFESHARE_SCHOOL"] = school.settings.school
    if school.settings.database_url:
        env["SAFESHARE_DATABASE_URL"] = school.settings.database_url
    if school.settings.audit_key_file:
        env["SAFESHARE_AUDIT_KEY_FILE"] = str(school.settings.audit_key_file)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def test_exactly_once_when_the_runner_is_killed_mid_batch(
    school: Safeshare, tmp_path: Path
) -> None:
    generate(school.app, 1200, seed=7, per_save=60)
    marker = tmp_path / "batches"
    marker.touch()
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.projection_child", str(marker)], env=_env(school)
    )
    try:
        assert wait_until(lambda: len(marker.read_text().splitlines()) >= 12, timeout=60)
        os.kill(child.pid, signal.SIGKILL)  # inside a batch's transaction, before its commit
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert "done" not in marker.read_text()
    db = school.projection_db()
    killed_at = {r.projection.name: r.position() for r in ps.runners(school)}
    assert 0 < min(killed_at.values()) < school.event_source().max_position()

    ps.catch_up(school)  # the restart picks up where the last commit left off
    after_restart = dump(db)
    ps.rebuild(school)
    assert dump(db) == after_restart
    with db.transaction() as tx:
        rows = tx.fetchall("SELECT COUNT(*), COUNT(DISTINCT position) FROM audit_trail")
    assert rows[0][0] == rows[0][1] == school.event_source().max_position()


def _case(school: Safeshare) -> tuple[str, str]:
    child = school.children.register(CANARY_NAME, born(school.ctx.clock, 11), by="Office")
    concern = school.concerns.raise_concern(
        str(child), "neglect", CANARY_FACT, school.ctx.clock().isoformat(), "Mr Jones"
    )
    school.concerns.record_consent(str(concern), "given", "DSL", from_whom="parent")
    school.concerns.decide(
        str(concern), True, "Reasons " + CANARY_NAME, "DSL", purpose="Early help", to=["mash"]
    )
    school.views.record_view(concern, "Governor Grey", "concern show")
    return str(child), str(concern)


def test_erasure_shows_erased_and_keeps_metrics(sqlite_school: Safeshare) -> None:
    s = sqlite_school
    child, _ = _case(s)
    ps.catch_up(s)
    r = ps.runner(s, "timeliness")
    assert isinstance(r.projection, Timeliness)

    def metrics() -> list[tuple[str, str, object, object]]:
        with r.db.transaction() as tx:
            assert isinstance(r.projection, Timeliness)
            results = steps(r.projection.states(tx), Standards(), Calendar())
        return [(x.step.value, x.record_id, x.hours, x.breached) for x in results]

    def texts() -> list[str | None]:
        with r.db.transaction() as tx:
            found = entries(tx, child)
        from uuid import UUID

        from domain.sealed import Sealed

        return [
            s.ctx.sealer.unseal(UUID(child), Sealed(t["f"], t["t"])) for e in found for t in e.texts
        ]

    before = metrics()
    assert CANARY_FACT in texts()
    s.children.erase(child, "retention-ended", "DSL")
    ps.catch_up(s)
    assert set(texts()) == {ERASED}
    assert metrics() == before
    with r.db.transaction() as tx:
        erased = [e.entry for e in entries(tx, child)]
    assert "child's personal data erased" in erased


def test_no_personal_data_in_projection_tables(school: Safeshare, tmp_path: Path) -> None:
    _case(school)
    ps.catch_up(school)
    ps.rebuild(school)
    needles = [CANARY_NAME.encode(), CANARY_FACT.encode(), b"Zebedee", b"quixotic"]
    if school.settings.database_url:
        out = tmp_path / "projections.sql"
        subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "-n",
                school.settings.pg_schema + "_projections",
                "-f",
                str(out),
                PG_URL,
            ],
            check=True,
        )
        blob = out.read_bytes()
        assert b"audit_trail" in blob
    else:
        school.projection_db().close()
        school._projection_db = None
        school.runners.clear()
        path = school.settings.projections_db
        blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"audit_trail" in blob
    for needle in [*needles, b"Governor Grey"]:  # staff names are sealed too
        assert needle not in blob


@pytest.mark.postgres
def test_postgres_runner_follows_by_listen_notify(identity_template: Path, tmp_path: Path) -> None:
    from tests.support import open_school

    with open_school(identity_template, tmp_path / "var", "postgres") as s:
        source = s.event_source()
        assert source.subscribe(0) is not None
        r = ps.runner(s, "audit_trail")
        stop, listening = threading.Event(), threading.Event()
        # a long poll interval: only a notification can wake it in time
        t = threading.Thread(target=r.follow, args=(stop, 60.0, listening), daemon=True)
        t.start()
        try:
            assert listening.wait(20), "the runner never started listening"
            generate(s.app, 300, seed=3)
            assert wait_until(lambda: r.position() == source.max_position(), timeout=20)
        finally:
            stop.set()
            t.join(10)
        assert not t.is_alive()


def test_insert_rows_round_trips_awkward_text(school: Safeshare) -> None:
    """COPY's text format on PostgreSQL (executemany on SQLite): tabs, newlines, backslashes,
    NULL, quotes and non-ASCII come back as written."""
    from projections.db import insert_rows

    awkward = ["a\tb", "line\nbreak\r", "back\\slash \\N", '{"k":"v\\n"}', "Zoë ‘quoted’", ""]
    db = school.projection_db()
    with db.transaction() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS copy_probe (n BIGINT PRIMARY KEY, v TEXT)")
        insert_rows(tx, "copy_probe", ("n", "v"), [*enumerate(awkward), (99, None)])
        rows = tx.fetchall("SELECT n, v FROM copy_probe ORDER BY n")
        tx.execute("DROP TABLE copy_probe")
    assert rows == [*enumerate(awkward), (99, None)]
