"""Sharing without consent on the command line: each hole of issue 12 (1-4) is closed with a
refusal that exits 1, names the rule and records nothing; a withdrawal withholds."""

from __future__ import annotations

from tests.e2e.test_cli_journeys import Cli, cli  # noqa: F401  (the fixture)
from tests.support import FakeClock, ago, born


def a_routine_concern(cli: Cli) -> str:  # noqa: F811
    dob = born(FakeClock(), 9)
    child = cli.json("child", "add", "--name", "Cara Osei", "--dob", dob)["child_id"]
    observed = ago(FakeClock(), hours=2)
    return str(
        cli.json(
            "concern",
            "raise",
            "--child",
            child,
            "--category",
            "sexual-abuse",
            "--facts",
            "Said an older cousin touches her.",
            "--observed-at",
            observed,
            "--by",
            "T",
        )["concern_id"]
    )


def test_consent_special_category_and_delay_refusals_exit_1_name_the_rule_record_nothing(
    cli: Cli,  # noqa: F811
) -> None:
    concern = a_routine_concern(cli)
    before = cli.position()
    basis = ("concern", "basis", concern, "--justification", "risk", "--by", "DSL")
    as_consent = cli.run(*basis, "--article6", "consent", "--article9", "safeguarding")
    assert as_consent.returncode == 1 and "golden rule 4" in as_consent.stderr
    explicit = cli.run(*basis, "--article6", "public-task", "--article9", "explicit-consent")
    assert explicit.returncode == 1 and "golden rule 4" in explicit.stderr
    no_art9 = cli.run(*basis, "--article6", "public-task")
    assert no_art9.returncode == 1 and "special category data" in no_art9.stderr
    delay = ("concern", "consent", concern, "--status", "not-sought", "--reason", "delay")
    routine_delay = cli.run(*delay, "--by", "DSL")
    assert routine_delay.returncode == 1 and "timely" in routine_delay.stderr
    assert cli.position() == before
    cli.json(*delay, "--delay-harm", "She is moving abroad on Friday.", "--by", "DSL")


def test_withdrawing_consent_withholds_the_referral_that_rested_on_it(cli: Cli) -> None:  # noqa: F811
    concern = a_routine_concern(cli)
    cli.json("concern", "consent", concern, "--status", "given", "--from", "parent", "--by", "D")
    decision = cli.json(
        "concern",
        "decide",
        concern,
        "--share",
        "--purpose",
        "Early help",
        "--to",
        "mash",
        "--reasons",
        "Parent agrees",
        "--by",
        "D",
    )
    [referral] = decision["referral_ids"]
    assert decision["recipients"][0]["path"] == ["purpose: yes", "consent: yes"]
    sent = cli.json("referral", "show", referral)
    assert len(sent["packet"]["content_sha256"]) == 64 and sent["packet"]["intact"]
    assert "older cousin" in sent["packet"]["text"]
    done = cli.json(
        "concern", "consent", concern, "--status", "refused", "--from", "parent", "--by", "D"
    )
    assert done["withheld"] == [referral]
    shown = cli.json("concern", "show", concern)
    assert shown["concern"]["consent"]["status"] == "withdrawn"
    assert shown["referrals"][0]["status"] == "withheld"
