"""Being open, on the command line: advice anonymised unless a reason is recorded (golden rule
3); the family told at the outset, at any point, or why not (golden rule 2)."""

from __future__ import annotations

from tests.e2e.test_cli_journeys import Cli, cli  # noqa: F401  (the fixture)
from tests.e2e.test_cli_sharing_without_consent import a_routine_concern


def test_advice_and_the_family_at_the_outset_refuse_without_reasons_and_record_nothing(
    cli: Cli,  # noqa: F811
) -> None:
    concern = a_routine_concern(cli)
    before = cli.position()
    advice = ("concern", "advice", concern, "--from", "GP", "--question", "Refer?", "--by", "D")
    named = cli.run(*advice, "--identified")
    assert named.returncode == 1 and "golden rule 3" in named.stderr
    untold = cli.run("concern", "tell-family", concern, "--told", "--by", "D")
    assert untold.returncode == 1 and "golden rule 2" in untold.stderr
    assert cli.position() == before
    assert cli.json(*advice)["child_identified"] is False
    cli.json(
        "concern",
        "tell-family",
        concern,
        "--told",
        "--account",
        "Told mother why, what and that MASH may be asked for early help.",
        "--by",
        "D",
    )
    shown = cli.json("concern", "show", concern)["concern"]
    assert shown["advice"][0]["child_identified"] is False
    assert shown["family_told_at_outset"] is True and shown["decisions"] == []
