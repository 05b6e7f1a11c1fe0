"""The DSL enters an agency whose mailbox cannot hold a certificate, and is told at the decision
to upload the exported packet to its portal (issue 17)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.test_cli_journeys import Cli
from tests.support import FakeClock, copy_identity

PORTAL = "https://portal.nspcc.example/upload"


@pytest.fixture
def dsl(identity_template: Path, tmp_path: Path) -> Cli:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    c = Cli(data)
    assert c.run("init").returncode == 0
    return c


def enter_nspcc(dsl: Cli, *extra: str) -> list[str]:
    cert = dsl.data / "agencies" / "nspcc" / "agency-cert.pem"
    return [
        "agency", "add", "--id", "nspcc", "--name", "NSPCC Helpline", "--kind", "nspcc",
        "--channel", "smtp", "--address", "referrals@nspcc.example", "--cert", str(cert),
        "--by", "Ms Patel", "--no-mail-certificate", *extra,
    ]  # fmt: skip


def test_a_portal_only_agency_is_entered_and_the_dsl_is_told_to_upload_its_packet(
    dsl: Cli, clock: FakeClock, tmp_path: Path
) -> None:
    no_portal = dsl.run(*enter_nspcc(dsl))
    assert no_portal.returncode == 2 and "portal" in no_portal.stdout + no_portal.stderr
    dsl.json(*enter_nspcc(dsl, "--portal", PORTAL))
    [nspcc] = [a for a in dsl.json("agency", "list") if a["agency_id"] == "nspcc"]
    assert nspcc["mail_certificate"] is False and nspcc["portal"] == PORTAL
    assert "no mail" in dsl.run("agency", "list").stdout  # the table wraps the cell

    dob = (clock() - timedelta(days=3650)).date().isoformat()
    child = dsl.json("child", "add", "--name", "Ben Walsh", "--dob", dob)["child_id"]
    observed = (clock() - timedelta(hours=1)).isoformat()
    concern = dsl.json(
        "concern", "raise", "--child", child, "--category", "neglect",
        "--facts", "Came to school hungry three days running.", "--observed-at", observed,
        "--by", "Ms Green",
    )["concern_id"]  # fmt: skip
    dsl.json("concern", "consent", concern, "--status", "sought", "--from", "parent", "--by", "DSL")
    dsl.json(
        "concern", "consent", concern, "--status", "given", "--from", "parent",
        "--scope", "nspcc", "--by", "DSL",
    )  # fmt: skip
    decide = [
        "concern", "decide", concern, "--share", "--purpose", "Support", "--to", "nspcc",
        "--reasons", "Parent agreed", "--by", "DSL",
    ]  # fmt: skip
    told = dsl.run(*decide)
    assert told.returncode == 0, told.stderr
    [referral] = re.findall(r"^referral ([0-9a-f-]{36})$", told.stdout, re.MULTILINE)
    assert f"safeshare referral packet {referral} --out referral.p7m" in told.stdout
    assert f"upload referral.p7m at {PORTAL}" in told.stdout
    assert "Never send the referral as a plain-text mail" in told.stdout

    shown = dsl.run("concern", "show", concern)
    assert shown.returncode == 0
    out = tmp_path / "referral.p7m"
    exported = dsl.json("referral", "packet", referral, "--out", str(out))
    assert out.stat().st_size > 1000 and len(exported["sha256"]) == 64
