"""The DSL's journeys on the command line, as a person would run them (real processes).

Exit codes: 0 done, 1 the policy refused (the rule is named), 2 bad usage or bad input (the
field is named). A refused or bad command records nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.settings import Settings
from tests.support import SESSION_START, FakeClock, ago, born, copy_identity

OBSERVED = ago(FakeClock(), hours=2)
TOMORROW = ago(FakeClock(), days=-1)

SAFESHARE = [sys.executable, "-m", "safeshare.entrypoints.cli"]


class Cli:
    def __init__(self, data: Path) -> None:
        self.data = data

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SAFESHARE_DATA": str(self.data), "COLUMNS": "200"}
        return subprocess.run(
            [*SAFESHARE, *args], capture_output=True, text=True, env=env, timeout=120
        )

    def json(self, *args: str) -> Any:
        done = self.run(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def position(self) -> int:
        import sqlite3

        with sqlite3.connect(self.data / "events.sqlite") as db:
            return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


@pytest.fixture
def cli(identity_template: Path, tmp_path: Path) -> Cli:
    data = tmp_path / "var"
    copy_identity(identity_template, data)
    c = Cli(data)
    assert c.run("init").returncode == 0
    school = build(Settings(data=data))
    install_demo_agencies(school)  # what `safeshare demo` adds, without the demo's cases
    school.close()
    return c


def test_init_makes_a_school_and_no_agencies_until_the_demo(
    identity_template: Path, tmp_path: Path
) -> None:
    data = tmp_path / "fresh"
    c = Cli(data)
    assert c.run("init").returncode == 0
    assert c.json("agency", "list") == []
    assert not (data / "agencies").exists()
    assert c.run("demo").returncode == 0
    assert {a["agency_id"] for a in c.json("agency", "list")} == {
        "mash",
        "social-care",
        "nspcc",
        "police",
        "lado",
        "elmfield-demo",  # the second school the demo's file transfer goes to
    }


def test_a_dsl_records_a_case_from_concern_to_referral(cli: Cli, tmp_path: Path) -> None:
    child = cli.json("child", "add", "--name", "Ben Walsh", "--dob", born(FakeClock(), 14))[
        "child_id"
    ]
    concern = cli.json(
        "concern",
        "raise",
        "--child",
        child,
        "--category",
        "physical-abuse",
        "--facts",
        "Bruise on forearm; said stepfather hit him.",
        "--observed-at",
        OBSERVED,
        "--immediate-risk",
        "--crime-suspected",
        "--by",
        "Ms Green",
    )["concern_id"]
    cli.json(
        "concern", "consent", concern, "--status", "not-sought", "--reason", "delay", "--by", "DSL"
    )
    cli.json(
        "concern",
        "basis",
        concern,
        "--article6",
        "public-task",
        "--article9",
        "safeguarding",
        "--justification",
        "Immediate risk of harm",
        "--by",
        "DSL",
    )
    decision = cli.json(
        "concern",
        "decide",
        concern,
        "--share",
        "--purpose",
        "Strategy",
        "--to",
        "police",
        "--to",
        "mash",
        "--reasons",
        "Disclosure",
        "--by",
        "DSL",
    )
    assert decision["decided_at"] == "lawful-basis"
    assert len(decision["referral_ids"]) == 2
    cli.json(
        "concern",
        "inform",
        concern,
        "--not-informed",
        "--reason",
        "Would raise risk",
        "--by",
        "DSL",
    )
    shown = cli.json("concern", "show", concern)
    assert shown["concern"]["urgent"] is True
    assert [e["type"] for e in shown["events"]][-1] == "family-informed"
    assert len(shown["referrals"]) == 2
    human = cli.run("concern", "show", concern)
    assert human.returncode == 0 and "FACT" in human.stdout and "History" in human.stdout

    [police] = [r["referral_id"] for r in shown["referrals"] if r["agency_id"] == "police"]
    phoned_at = ago(FakeClock(), minutes=1)
    cli.json(
        "referral",
        "phoned",
        police,
        "--called",
        "PC Shah",
        "--at",
        phoned_at,
        "--reference",
        "CAD-4411",
        "--by",
        "DSL",
    )
    call = cli.json("referral", "show", police)["phone_call"]
    assert (call["called"], call["reference"], call["recorded_by"]) == (
        "PC Shah",
        "CAD-4411",
        "DSL",
    )
    said = cli.run("referral", "show", police).stdout
    assert "by DSL: taken by PC Shah, their reference CAD-4411" in " ".join(said.split())

    out = tmp_path / "packet.p7m"
    exported = cli.json("referral", "packet", decision["referral_ids"][0], "--out", str(out))
    assert out.stat().st_size > 1000 and len(exported["sha256"]) == 64


def test_a_policy_refusal_exits_1_names_the_rule_and_records_nothing(cli: Cli) -> None:
    child = cli.json("child", "add", "--name", "Cara Osei", "--dob", born(FakeClock(), 10))[
        "child_id"
    ]
    concern = cli.json(
        "concern",
        "raise",
        "--child",
        child,
        "--category",
        "neglect",
        "--facts",
        "No coat",
        "--observed-at",
        OBSERVED,
        "--by",
        "T",
    )["concern_id"]
    cli.json(
        "concern", "consent", concern, "--status", "refused", "--from", "parent", "--by", "DSL"
    )
    before = cli.position()
    refused = cli.run(
        "concern",
        "decide",
        concern,
        "--share",
        "--purpose",
        "p",
        "--to",
        "mash",
        "--reasons",
        "r",
        "--by",
        "DSL",
    )
    assert refused.returncode == 1
    assert "no consent and no lawful reason" in refused.stderr
    no_reasons = cli.run("concern", "decide", concern, "--no-share", "--by", "DSL")
    assert no_reasons.returncode == 1 and "golden rule 7" in no_reasons.stderr
    assert cli.position() == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--category", "bruising"], "category"),
        (["--observed-at", TOMORROW], "observed-at"),
        (["--observed-at", "yesterday"], "observed-at"),
    ],
)
def test_bad_input_exits_2_and_names_the_field(cli: Cli, args: list[str], field: str) -> None:
    child = cli.json("child", "add", "--name", "Dev Patel", "--dob", born(FakeClock(), 15))[
        "child_id"
    ]
    base = {"--category": "neglect", "--observed-at": OBSERVED}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    before = cli.position()
    done = cli.run(
        "concern",
        "raise",
        "--child",
        child,
        "--facts",
        "f",
        "--by",
        "T",
        *[x for kv in base.items() for x in kv],
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {field}:")
    assert cli.position() == before


def test_an_unknown_child_and_a_malformed_id_exit_2(cli: Cli) -> None:
    for child in ("not-a-uuid", "7b7c8d8e-0000-4000-8000-000000000000"):
        done = cli.run(
            "concern",
            "raise",
            "--child",
            child,
            "--category",
            "neglect",
            "--facts",
            "f",
            "--observed-at",
            OBSERVED,
            "--by",
            "T",
        )
        assert done.returncode == 2 and "child:" in done.stderr


def test_the_demo_prints_a_worklist_and_a_case_history(cli: Cli) -> None:
    done = cli.run("demo")
    assert done.returncode == 0, done.stderr
    assert "DSL worklist" in done.stdout and "History" in done.stdout
    assert "awaiting a sharing decision" in done.stdout
    assert "Ola Demo-Novak (Mother): parental responsibility" in done.stdout  # the household
    assert "Hana Demo-Visitor, Health visitor" in done.stdout  # in the MASH packet
    assert "superseded (The class register shows Monday too" in done.stdout  # a correction
    assert "decided: DO NOT SHARE; reasons: Not necessary" in done.stdout  # a request refused
    assert "reply to the requester: Phoned" in done.stdout
    assert "transferred from Oaklands School on" in done.stdout  # imported by a second school
    assert "receipt recorded at Oaklands School" in done.stdout


def test_no_personal_data_in_what_the_cli_prints_on_error(cli: Cli) -> None:
    done = cli.run("child", "add", "--name", "Zebedee Quixote-Canary", "--dob", "not-a-date")
    assert done.returncode == 2
    assert "Zebedee" not in done.stderr + done.stdout


def test_agency_certificates_that_cannot_be_used_are_refused_with_their_reason(
    cli: Cli, tmp_path: Path
) -> None:
    from sharing.pki import generate_agency_keypair

    old = generate_agency_keypair("Old Agency", SESSION_START - timedelta(days=3000))
    expired = tmp_path / "expired.pem"
    expired.write_bytes(old.certificate.pem())
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    cases = {expired: "expired", garbage: "could not be read"}
    for cert, reason in cases.items():
        done = cli.run(
            "agency",
            "add",
            "--id",
            "la",
            "--name",
            "LA",
            "--kind",
            "social-care",
            "--channel",
            "smtp",
            "--address",
            "la@example.org",
            "--cert",
            str(cert),
        )
        assert done.returncode == 2, done.stdout
        assert reason in done.stderr
    listed = cli.json("agency", "list")
    assert "la" not in [a["agency_id"] for a in listed]


def test_agency_directory_changes_are_recorded_with_who(cli: Cli) -> None:
    cert = cli.data / "agencies" / "nspcc" / "agency-cert.pem"
    cli.json(
        "agency",
        "add",
        "--id",
        "early-help",
        "--name",
        "Early Help Hub",
        "--kind",
        "other",
        "--channel",
        "https",
        "--address",
        "https://eh.example/in",
        "--cert",
        str(cert),
        "--by",
        "Ms Patel",
        "--fields",
        "category,facts,opinion",
    )
    listed = {a["agency_id"]: a for a in cli.json("agency", "list")}
    assert listed["early-help"]["profile"] == ["category", "facts", "opinion"]
    assert listed["early-help"]["added_by"] == "Ms Patel"
    cli.json("agency", "remove", "early-help", "--reason", "Service closed", "--by", "Ms Patel")
    assert "early-help" not in [a["agency_id"] for a in cli.json("agency", "list")]
    history = cli.json("agency", "history")
    changes = [(h["change"], h["agency_id"], h["by"]) for h in history][-2:]
    assert changes == [("added", "early-help", "Ms Patel"), ("removed", "early-help", "Ms Patel")]
    assert history[-1]["reason"] == "Service closed" and history[-1]["recorded_at"]
