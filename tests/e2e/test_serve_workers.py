"""`safeshare serve --workers 2`, as docker-compose.yml runs the web: two uvicorn worker
processes, each building the app; `/metrics` (switched on) sums their counters through
prometheus_client's multiprocess folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support import copy_identity
from tests.web.live_server import free_port

SAFESHARE = [sys.executable, "-m", "safeshare.entrypoints.cli"]


def test_serve_with_two_workers_answers_pages_and_metrics(
    identity_template: Path, tmp_path: Path
) -> None:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    (tmp_path / "metrics").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")},
        "SAFESHARE_DATA": str(data),
        "SAFESHARE_WEB_METRICS": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    assert subprocess.run([*SAFESHARE, "init"], env=env, capture_output=True).returncode == 0
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*SAFESHARE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "safeshare serve did not answer"
                time.sleep(0.3)
        assert page.status_code == 200 and "Sign in to safeshare" in page.text
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert scraped.status_code == 200
        names = {f.name for f in text_string_to_metric_families(scraped.text)}
        assert {"safeshare_projection_lag", "safeshare_metrics_errors"} <= names
        assert "safeshare_metrics_errors 0.0" in scraped.text
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    started = (tmp_path / "serve.log").read_text()
    assert started.count("Started server process") == 2, started
