"""`serve --workers` and `school serve --workers` keep an idle HTTP connection longer than
clients keep one in their pools (httpx: 5 s), and give a busy worker time to answer uvicorn's
health check. With uvicorn's defaults (5 s each), `make load` lost requests sent on a
connection the server was closing, and workers busy importing were killed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from safeshare.entrypoints.cli.main import app

CLIENT_POOL_EXPIRY = 5.0
"""httpx's `keepalive_expiry` (uvicorn's own default keep-alive is the same)."""


@pytest.mark.parametrize("command", [["serve"], ["school", "serve"]])
def test_serving_with_workers_outlasts_a_clients_idle_connection(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *_, **kwargs: started.append(kwargs))
    done = CliRunner().invoke(
        app, ["--data", str(tmp_path), *command, "--workers", "2"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    [options] = started
    assert options["workers"] == 2
    assert options["timeout_keep_alive"] > CLIENT_POOL_EXPIRY
    assert options["timeout_worker_healthcheck"] >= 30
