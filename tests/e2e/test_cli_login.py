"""The command line acts as an account (issue 13, "Every command, from the web or the CLI, is
done by an account"): `safeshare login` with a password and the second factor writes a token
file only its owner can read; commands check the account's role and the record names the
account and "(command line)"; `--by` is only a deprecated fallback without a token."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pyotp

from safeshare.bootstrap import build
from safeshare.settings import Settings
from tests.e2e.test_cli_journeys import OBSERVED, SAFESHARE, Cli, cli  # noqa: F401
from tests.support import FakeClock, born

PASSWORD = "correct horse battery staple"


def run(data: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SAFESHARE_TOKEN"}
    environment.update({"SAFESHARE_DATA": str(data), "COLUMNS": "200", **env})
    return subprocess.run(
        [*SAFESHARE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def add_account(data: Path, name: str, email: str, role: str) -> str | None:
    """An account, enrolled in TOTP as at first sign-in; returns the TOTP secret."""
    done = run(
        data,
        "user",
        "add",
        "--name",
        name,
        "--email",
        email,
        "--role",
        role,
        SAFESHARE_NEW_PASSWORD=PASSWORD,
    )
    assert done.returncode == 0, done.stderr
    if role == "staff":
        return None
    school = build(Settings(data=data))
    try:
        account = next(r.account for r in school.accounts.listing() if r.account.email == email)
        offer = school.accounts.offer_enrolment(account)
        school.accounts.confirm_enrolment(
            account.user_id, offer.secret, pyotp.TOTP(offer.secret).now()
        )
        return offer.secret
    finally:
        school.close()


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_dsl_signs_in_at_the_command_line_and_the_record_names_their_account(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    data = cli.data
    secret = add_account(data, "Mrs Dee", "dee@school.test", "dsl")
    add_account(data, "Ms Audit", "audit@school.test", "auditor")
    assert secret
    token_path = tmp_path / "home" / "token"
    env = {"SAFESHARE_TOKEN_FILE": str(token_path)}

    wrong = run(data, "login", "--email", "dee@school.test", stdin="not it\n", **env)
    assert wrong.returncode == 2
    assert not token_path.exists()

    code = pyotp.TOTP(secret).now()
    signed = run(data, "login", "--email", "dee@school.test", stdin=f"{PASSWORD}\n{code}\n", **env)
    assert signed.returncode == 0, signed.stderr
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600

    child = as_json(
        run(
            data,
            "child",
            "add",
            "--name",
            "Ben Walsh",
            "--dob",
            born(FakeClock(), 12),
            "--json",
            **env,
        )
    )["child_id"]
    concern = as_json(
        run(
            data,
            "concern",
            "raise",
            "--child",
            child,
            "--category",
            "neglect",
            "--facts",
            "Came to school hungry three days running.",
            "--observed-at",
            OBSERVED,
            "--json",
            **env,
        )
    )["concern_id"]
    shown = as_json(run(data, "concern", "show", concern, "--json", **env))
    assert shown["concern"]["raised_by"] == "Mrs Dee <dee@school.test> (command line)"

    # An auditor's token cannot change a case: refused, naming the role, nothing recorded.
    auditor = as_json(run(data, "token", "create", "--for", "audit@school.test", "--json"))
    refused = run(
        data,
        "concern",
        "inform",
        concern,
        "--informed",
        "--json",
        SAFESHARE_TOKEN=auditor["token"],
        SAFESHARE_TOKEN_FILE=str(tmp_path / "none"),
    )
    assert refused.returncode == 1, refused.stderr
    assert "auditor accounts may not" in refused.stderr
    # Reads that never named a reader check the role too, once signed in.
    worklist = run(
        data,
        "worklist",
        SAFESHARE_TOKEN=auditor["token"],
        SAFESHARE_TOKEN_FILE=str(tmp_path / "none"),
    )
    assert worklist.returncode == 1, worklist.stderr
    assert run(data, "audit", "trail", **env).returncode == 1  # a DSL is not an auditor
    assert run(data, "worklist", "--json", **env).returncode == 0
    # Without a token and without the deprecated --by, nothing is done.
    anonymous = run(
        data,
        "concern",
        "close",
        concern,
        "--reason",
        "x",
        SAFESHARE_TOKEN_FILE=str(tmp_path / "none"),
    )
    assert anonymous.returncode == 2
    assert "sign in first" in anonymous.stderr

    assert run(data, "logout", **env).returncode == 0
    assert not token_path.exists()
