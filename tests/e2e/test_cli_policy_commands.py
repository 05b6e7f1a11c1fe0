"""The commands of issue 12 as a DSL runs them (real processes, two schools' data folders):
the people around the child, a correction, an allegation with break-glass, a request for
information refused with the reply, retention per child, and a file transfer with its
receipt. Refusals exit 1 naming the rule; bad input exits 2 naming the field."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli_journeys import Cli, cli  # noqa: F401  (the fixture)
from tests.support import FakeClock, ago, born


def years_ago(years: int) -> str:
    return born(FakeClock(), years)


def a_child_and_concern(cli: Cli, dob: str) -> tuple[str, str]:  # noqa: F811
    child = cli.json("child", "add", "--name", "Kai Policy", "--dob", dob)["child_id"]
    observed = ago(FakeClock(), hours=3)
    concern = cli.json(
        "concern",
        "raise",
        "--child",
        child,
        "--category",
        "neglect",
        "--facts",
        "Kai came in hungry on Tuesday.",
        "--observed-at",
        observed,
        "--by",
        "T",
    )["concern_id"]
    return child, concern


def test_the_people_a_correction_an_allegation_and_a_refused_request(cli: Cli) -> None:  # noqa: F811
    child, concern = a_child_and_concern(cli, years_ago(9))
    cli.json(
        "child",
        "person-add",
        child,
        "--relationship",
        "mother",
        "--name",
        "Mo Policy",
        "--parental-responsibility",
        "--lives-with-child",
        "--by",
        "DSL",
    )
    sibling_pr = cli.run(
        "child",
        "person-add",
        child,
        "--relationship",
        "sibling",
        "--name",
        "Sib",
        "--parental-responsibility",
        "--by",
        "DSL",
    )
    assert sibling_pr.returncode == 2 and "parental-responsibility" in sibling_pr.stderr
    assert cli.json("child", "people", child)[0]["name"] == "Mo Policy"
    no_reason = cli.run("concern", "correct-facts", concern, "--facts", "Monday", "--by", "DSL")
    assert no_reason.returncode == 1 and "accurate" in no_reason.stderr
    cli.json(
        "concern",
        "correct-facts",
        concern,
        "--facts",
        "Kai came in hungry on Monday.",
        "--reason",
        "Register checked",
        "--by",
        "DSL",
    )

    cli.json(
        "concern",
        "allegation",
        concern,
        "--about",
        "Mr Staff",
        "--about-account",
        "mr.staff",
        "--case-manager",
        "Head",
        "--by",
        "DSL",
    )
    hidden = cli.run("concern", "show", concern, "--by", "mr.staff")
    assert hidden.returncode == 1 and "KCSIE part 4" in hidden.stderr
    assert cli.run("concern", "show", concern, "--by", "Deputy").returncode == 1
    broke = cli.json(
        "concern", "show", concern, "--by", "Deputy", "--break-glass-reason", "Head away"
    )
    assert broke["concern"]["facts"] == "Kai came in hungry on Monday."
    trail = cli.json("audit", "trail", "--record", concern)
    assert any(row["action"] == "viewed: BREAK-GLASS concern show" for row in trail)

    request = cli.json(
        "request",
        "receive",
        concern,
        "--from",
        "mash",
        "--what",
        "All records",
        "--why",
        "Area audit",
        "--cites",
        "s16h",
        "--by",
        "Head",
    )["request_id"]
    answered = cli.json(
        "request",
        "answer",
        request,
        "--no-share",
        "--reasons",
        "Not necessary for an audit",
        "--by",
        "Head",
    )
    assert answered["share"] is False
    cli.json("request", "reply", request, "--reply", "Explained by phone", "--by", "Head")
    assert cli.json("request", "show", request)["reply"] == "Explained by phone"


def test_retention_per_child_and_erasure_by_review(cli: Cli) -> None:  # noqa: F811
    child, concern = a_child_and_concern(cli, years_ago(26))
    assert cli.json("retention", "sweep")["noted_due"] == [child]
    assert cli.json("retention", "due") == [child]
    refused = cli.run(
        "concern", "retention", concern, "--outcome", "erase", "--reason", "x", "--by", "DSL"
    )
    assert refused.returncode == 1 and "reviewed per child" in refused.stderr
    erased = cli.json(
        "retention",
        "review",
        child,
        "--outcome",
        "erase",
        "--reason",
        "Retention period ended",
        "--by",
        "DSL",
    )
    assert erased["erased_concerns"] == [concern]
    assert cli.json("concern", "show", concern)["concern"]["facts"] == "[erased]"


def test_a_file_transfer_between_two_schools_with_its_receipt(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    elm = Cli(tmp_path / "elmfield")
    assert elm.run("init").returncode == 0
    cert = tmp_path / "elm-transfer.pem"
    elm.json("transfer", "certificate", "--out", str(cert))
    cli.json(
        "agency",
        "add",
        "--id",
        "elmfield",
        "--name",
        "Elmfield School",
        "--kind",
        "school",
        "--channel",
        "smtp",
        "--address",
        "dsl@elm.example",
        "--cert",
        str(cert),
    )
    _, concern = a_child_and_concern(cli, years_ago(10))
    cli.json("concern", "consent", concern, "--status", "given", "--from", "parent", "--by", "D")
    [rid] = cli.json(
        "concern",
        "decide",
        concern,
        "--share",
        "--purpose",
        "CP file transfer",
        "--to",
        "elmfield",
        "--reasons",
        "Moving school",
        "--by",
        "D",
    )["referral_ids"]
    packet, oak_ca, elm_ca = tmp_path / "t.p7m", tmp_path / "oak-ca.pem", tmp_path / "elm-ca.pem"
    cli.json("referral", "packet", rid, "--out", str(packet))
    cli.json("keys", "export-certificate", "--out", str(oak_ca))
    elm.json("keys", "export-certificate", "--out", str(elm_ca))
    wrong = elm.run(
        "transfer",
        "import",
        str(packet),
        "--sender-ca",
        str(elm_ca),
        "--receipt-out",
        str(tmp_path / "r0.p7s"),
        "--by",
        "Elm DSL",
    )
    assert wrong.returncode == 2 and "signature" in wrong.stderr
    receipt = tmp_path / "receipt.p7s"
    done = elm.json(
        "transfer",
        "import",
        str(packet),
        "--sender-ca",
        str(oak_ca),
        "--receipt-out",
        str(receipt),
        "--by",
        "Elm DSL",
    )
    shown = elm.json("concern", "show", done["concern_ids"][0])["concern"]
    assert shown["transferred_from"] == "Oaklands School"
    recorded = cli.json(
        "transfer", "receipt", str(receipt), "--receiver-ca", str(elm_ca), "--by", "DSL"
    )
    assert recorded["referral_id"] == rid
    assert cli.json("referral", "show", rid)["packet"]["content_sha256"] == done["content_sha256"]
