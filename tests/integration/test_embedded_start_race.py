"""Finding 7 of the hardening issue: on the embedded default, `safeshare relay`,
`safeshare worker` and the web (`safeshare serve`) started at the same instant all come up, the
web answers, and the referral is delivered.

They used to race to create kombu's SQLAlchemy tables and queues in `<data>/broker.sqlite`
(`table kombu_queue already exists`, `UNIQUE constraint failed: kombu_queue.name`) and the worker
died. `make test` runs the race 3 times on fresh data folders; `make soak` runs it 20 times
(`SAFESHARE_SOAK_RUNS`).
"""

from __future__ import annotations

import os
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path
from uuid import UUID

import pytest

from domain.referral import Referral
from harness.dispatch import REPO_ROOT, settings_env, wait_for
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import AgencyPki, free_port
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.demo.directory import install_demo_agencies
from safeshare.entrypoints.initialise import initialise
from tests.integration.hardening_support import share_a_case
from tests.integration.test_dispatch import point_agency
from tests.integration.test_dispatch_embedded import safeshare_cli
from tests.support import FakeClock, copy_identity, school_settings

RUNS = int(os.environ.get("SAFESHARE_SOAK_RUNS", "3"))


# Each wait returns as soon as its signal arrives; the bound is generous for a loaded machine.
SIGNAL_WAIT = 180.0


def _web_answers(port: int) -> bool:
    """The sign-in page answers (a page, not a refused connection or a 5xx)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def _start_together(
    commands: list[list[str]], env: dict[str, str], log: Path
) -> list[subprocess.Popen[bytes]]:
    """Start every command at the same instant (a barrier releases them together)."""
    barrier = threading.Barrier(len(commands))
    started: list[subprocess.Popen[bytes]] = []
    lock = threading.Lock()
    out = log.open("ab")

    def go(command: list[str]) -> None:
        barrier.wait()
        p = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
        with lock:
            started.append(p)

    threads = [threading.Thread(target=go, args=(c,)) for c in commands]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return started


@pytest.mark.parametrize("run", range(RUNS))
def test_relay_worker_and_web_started_at_the_same_instant_all_run_and_deliver(
    run: int,
    identity_template: Path,
    tmp_path: Path,
    agency_pki: AgencyPki,
    smtp_agency: SmtpAgency,
    clock: FakeClock,
) -> None:
    settings = school_settings(tmp_path / "var", "sqlite").model_copy(
        update={
            "smtp_host": smtp_agency.host,
            "smtp_port": smtp_agency.port,
            "tls_ca_file": agency_pki.ca_file,
            "channel_timeout_seconds": 5.0,
        }
    )
    copy_identity(identity_template, settings.data)
    initialise(settings)
    school = build(settings, clock=clock)
    install_demo_agencies(school)
    log = tmp_path / "processes.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        point_agency(school, "mash", "smtp", "mash@agency.example")
        (referral,) = share_a_case(school, clock, ["mash"])
        port = free_port()
        processes = _start_together(
            [
                safeshare_cli("relay"),
                safeshare_cli("worker"),
                safeshare_cli("serve", "--port", str(port)),
            ],
            settings_env(settings),
            log,
        )
        delivered = wait_for(
            lambda: school.app.get(UUID(referral), Referral).status.value == "delivered",
            SIGNAL_WAIT,
        )
        web_up = wait_for(lambda: _web_answers(port), SIGNAL_WAIT)
        alive = [p.poll() is None for p in processes]
        assert delivered and web_up and all(alive), log.read_text(errors="replace")[-4000:]
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        school.close()
    text = log.read_text(errors="replace")
    assert "already exists" not in text and "UNIQUE constraint failed" not in text
