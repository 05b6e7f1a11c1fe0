"""Signed in once, served by either web worker: `safeshare serve --workers 2` keeps sessions
in the school's database, so every request of a signed-in person is honoured whichever worker
process answers it, and signing out ends the session in both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import copy_identity
from tests.web.live_server import free_port

SAFESHARE = [sys.executable, "-m", "safeshare.entrypoints.cli"]
PASSWORD = "a long enough password"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no form with a CSRF token"
    return found.group(1)


def test_a_session_is_honoured_by_both_web_workers(identity_template: Path, tmp_path: Path) -> None:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")},
        "SAFESHARE_DATA": str(data),
        "SAFESHARE_COOKIE_SECURE": "false",  # plain http on loopback, for this test only
        "SAFESHARE_ARGON2_TIME_COST": "1",
        "SAFESHARE_ARGON2_MEMORY_KIB": "64",
        "SAFESHARE_ARGON2_PARALLELISM": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SAFESHARE, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert run("init").returncode == 0
    added = run(
        "user", "add", "--name", "Ms Green", "--email", "green@school.test",
        "--role", "staff", "--password", PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*SAFESHARE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # No kept-alive connections: each request is a new connection, which either worker takes.
    fresh = httpx.Limits(max_keepalive_connections=0)
    try:
        with httpx.Client(base_url=base, limits=fresh, timeout=10) as browser:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = browser.get("/login")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, (tmp_path / "serve.log").read_text()
                    assert time.monotonic() < deadline, "safeshare serve did not answer"
                    time.sleep(0.3)
            signed = browser.post(
                "/login",
                data={
                    "email": "green@school.test",
                    "password": PASSWORD,
                    "csrf_token": _csrf(page.text),
                },
            )
            assert signed.status_code == 303 and signed.headers["location"] == "/concerns/new"
            answers = [browser.get("/concerns/new").status_code for _ in range(24)]
            assert answers == [200] * 24, answers  # never sent back to sign in
            page = browser.get("/concerns/new")
            out = browser.post("/logout", data={"csrf_token": _csrf(page.text)})
            assert out.status_code == 303
            after = [browser.get("/concerns/new").headers.get("location") for _ in range(6)]
            assert after == ["/login"] * 6, after
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    started = (tmp_path / "serve.log").read_text()
    assert started.count("Started server process") == 2, started
