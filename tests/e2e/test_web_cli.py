"""`safeshare user add` and `safeshare serve` as an operator runs them (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import FakeClock, born, copy_identity
from tests.web.live_server import free_port

SAFESHARE = [sys.executable, "-m", "safeshare.entrypoints.cli"]
FAST = {
    "SAFESHARE_ARGON2_TIME_COST": "1",
    "SAFESHARE_ARGON2_MEMORY_KIB": "64",
    "SAFESHARE_ARGON2_PARALLELISM": "1",
}


@pytest.fixture
def env(identity_template: Path, tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    e = {**os.environ, "SAFESHARE_DATA": str(data), "COLUMNS": "200", **FAST}
    assert subprocess.run([*SAFESHARE, "init"], env=e, capture_output=True).returncode == 0
    return e


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SAFESHARE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_an_operator_adds_accounts_and_bad_input_names_the_field(env: dict[str, str]) -> None:
    added = run(
        env,
        "user",
        "add",
        "--name",
        "Mrs Dee",
        "--email",
        "dee@school.test",
        "--role",
        "dsl",
        "--password",
        "a long enough password",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    assert '"user_id"' in added.stdout
    again = run(
        env,
        "user",
        "add",
        "--name",
        "Mrs Dee",
        "--email",
        "DEE@school.test",
        "--role",
        "dsl",
        "--password",
        "a long enough password",
    )
    assert again.returncode == 2
    assert "email: an account with this email address already exists" in again.stderr
    bad_role = run(
        env,
        "user",
        "add",
        "--name",
        "X",
        "--email",
        "x@school.test",
        "--role",
        "head",
        "--password",
        "a long enough password",
    )
    assert bad_role.returncode == 2 and "role: 'head' is not one of" in bad_role.stderr
    short = run(
        env,
        "user",
        "add",
        "--name",
        "X",
        "--email",
        "x@school.test",
        "--role",
        "staff",
        "--password",
        "short",
    )
    assert short.returncode == 2 and "password: must be at least 12 characters" in short.stderr
    deputy = run(env, "user", "deputy", "--email", "dee@school.test", "--json")
    assert deputy.returncode == 0 and '"deputy": true' in deputy.stdout, deputy.stderr
    left = run(env, "user", "disable", "--email", "dee@school.test")
    assert left.returncode == 0, left.stderr
    link = run(env, "setup-link", "--hours", "1", "--json")
    assert link.returncode == 0 and '"url": "http://127.0.0.1:8000/setup/' in link.stdout
    twice = run(env, "user", "disable", "--email", "dee@school.test")
    assert twice.returncode == 1 and "refused: this account is already disabled" in twice.stderr
    back = run(env, "user", "enable", "--email", "dee@school.test", "--json")
    assert back.returncode == 0 and '"disabled": false' in back.stdout, back.stderr
    again_back = run(env, "user", "enable", "--email", "dee@school.test")
    assert again_back.returncode == 1
    assert "refused: this account is not disabled" in again_back.stderr
    nobody = run(env, "user", "enable", "--email", "nobody@school.test")
    assert nobody.returncode == 2 and "account: no such account" in nobody.stderr


def test_serve_answers_the_sign_in_page_with_its_headers(env: dict[str, str]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*SAFESHARE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "safeshare serve did not answer"
                time.sleep(0.2)
        assert r.status_code == 200
        assert "Sign in to safeshare" in r.text
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_roll_imports_from_the_command_line_and_a_bad_row_is_named(
    env: dict[str, str], tmp_path: Path
) -> None:
    export = tmp_path / "pupils.csv"
    dob = born(FakeClock(), 12)
    export.write_text(
        f"UPN,Surname,Forename,Date of Birth\nA123456789012,Walsh,Ben,{dob}\n,Nobody,No,{dob}\n",
        encoding="utf-8",
    )
    done = run(env, "roll", "import", str(export))
    assert done.returncode == 2
    assert "added 1, already on the roll 0" in done.stdout
    assert "line 3: upn: is empty" in done.stdout
    assert "Walsh" not in done.stdout + done.stderr
    export.write_text(f"UPN,Surname,Forename,Date of Birth\nB123456789012,Lee,Amy,{dob}\n")
    partial = run(env, "roll", "import", str(export))
    assert "not in the file 1: nobody marked as leaving" in partial.stdout, partial.stderr
    whole = run(env, "roll", "import", str(export), "--whole-roll", "--json")
    assert '"left": 1' in whole.stdout and '"not_in_file": 1' in whole.stdout, whole.stderr


def test_demo_accounts_one_per_role_sign_in_with_what_is_printed(env: dict[str, str]) -> None:
    import json

    done = run(env, "demo-accounts", "--json")
    assert done.returncode == 0, done.stderr
    accounts = {a["role"]: a for a in json.loads(done.stdout)}
    assert sorted(accounts) == ["admin", "auditor", "dsl", "staff"]
    assert accounts["staff"]["totp_secret"] is None
    assert accounts["dsl"]["totp_secret"]
    again = run(env, "demo-accounts", "--json")
    assert json.loads(again.stdout) == json.loads(done.stdout)
