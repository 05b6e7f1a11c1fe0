"""The projection commands end to end through the CLI (typer's runner, the embedded default)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import typer
from typer.testing import CliRunner

from harness.history import generate
from safeshare.bootstrap import build
from safeshare.demo.cases import run_demo
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.audit_trail import register
from safeshare.entrypoints.cli.main import app
from safeshare.entrypoints.initialise import initialise
from safeshare.settings import Settings
from tests.support import SESSION_START, copy_identity

audit = typer.Typer(help="`safeshare audit` stands in here until the audit app is merged.")


@audit.callback()
def _audit(ctx: typer.Context) -> None:
    """A group, so that `trail` is a subcommand; a session of its own, as the root gives."""
    state.start(ctx, None)


register(audit)


@pytest.fixture
def data(identity_template: Path, tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    initialise(Settings(data=data))
    s = build(Settings(data=data))
    try:
        install_demo_agencies(s)
        run_demo(s)
        generate(s.app, 600, seed=11)
    finally:
        s.close()
    yield data


def run(data: Path, *args: str, target: typer.Typer = app) -> Any:
    env = {"SAFESHARE_DATA": str(data)}
    result = CliRunner().invoke(target, [*args], catch_exceptions=False, env=env)
    assert result.exit_code == 0, result.output
    return result


def run_json(data: Path, *args: str, target: typer.Typer = app) -> Any:
    return json.loads(run(data, *args, "--json", target=target).stdout)


def test_status_rebuild_and_worklist(data: Path) -> None:
    before = run_json(data, "--data", str(data), "projections", "status")
    assert {p["name"] for p in before} == {"audit_trail", "chronology", "timeliness", "worklist"}
    rebuilt = run_json(data, "--data", str(data), "projections", "rebuild")
    assert rebuilt["events"] == before[0]["head"]
    after = run_json(data, "--data", str(data), "projections", "status")
    assert all(p["lag"] == 0 for p in after)
    one = run_json(data, "--data", str(data), "projections", "rebuild", "worklist")
    assert one["rebuilt"] == ["worklist"]
    items = run_json(data, "--data", str(data), "worklist")
    assert items and items[0]["priority"] == 0  # failed / escalated referrals first
    assert any(i["item"] == "consent sought, no answer yet" for i in items)


def test_chronology_and_audit_trail(data: Path) -> None:
    s = build(Settings(data=data))
    try:
        from domain.child import Child
        from domain.concern import Concern

        raised = s.app.recorder.select_notifications(
            start=None, limit=10, topics=[Concern.Raised.TOPIC]
        )
        concern = s.app.get(UUID(str(raised[0].originator_id)), Concern)
        child = concern.child_id
        assert s.app.find(child, Child) is not None
    finally:
        s.close()
    chron = run_json(data, "--data", str(data), "chronology", str(child), "--by", "Auditor Ada")
    entries = chron["entries"]
    assert entries[0]["entry"] in ("concern raised", "child registered")
    assert any("facts" in e["text"] for e in entries)  # unsealed at display
    assert [e["occurred_at"] for e in entries] == sorted(e["occurred_at"] for e in entries)
    trail = run_json(data, "trail", "--record", str(child), target=audit)
    assert any(r["actor"] == "Auditor Ada" and r["action"] == "viewed: chronology" for r in trail)
    mine = run_json(data, "trail", "--actor", "Auditor Ada", target=audit)
    assert mine and all(r["actor"] == "Auditor Ada" for r in mine)


def test_timeliness_report_formats(data: Path, tmp_path: Path) -> None:
    args = [
        "--data",
        str(data),
        "report",
        "timeliness",
        "--from",
        (SESSION_START - timedelta(days=450)).date().isoformat(),
        "--to",
        (SESSION_START + timedelta(days=30)).date().isoformat(),
    ]
    report = run_json(data, *args)
    assert report["months"] and report["summaries"][0]["step"] == "decision"
    csv_out = run(data, *args, "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("month,concerns,decided")
    html = tmp_path / "t.html"
    run(data, *args, "--format", "html", "--out", str(html))
    text = html.read_text()
    assert text.count("<svg") == 2 and "Breaches of the standards" in text
    assert "Zebedee" not in text
    human = run(data, *args).stdout
    assert "Month by month" in human
