"""`safeshare concern ...`: the policy's steps, one command each."""

from __future__ import annotations

from typing import Any

import typer

from domain.codes import Category, ConsentStatus, NotSoughtReason, label
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.case_display import print_case
from safeshare.entrypoints.cli.concern_decide import BY, JSON, decide
from safeshare.entrypoints.cli.identity import RAISERS, READERS, by_option
from safeshare.entrypoints.cli.output import console, emit, for_console, guarded

app = typer.Typer(help="Concerns: raise one, then seek advice, consent, basis, decide, inform.")

RAISER = by_option(RAISERS)


def _done(as_json: bool, data: dict[str, Any], text: str) -> None:
    emit(data, as_json, lambda: console.print(for_console(text)))


@app.command("raise")
def raise_(
    child: str = typer.Option(..., "--child", help="The child's id."),
    category: str = typer.Option(..., "--category", help=", ".join(c.value for c in Category)),
    facts: str = typer.Option(..., "--facts", help="What was seen or heard (fact)."),
    observed_at: str = typer.Option(..., "--observed-at", help="ISO 8601, not in the future."),
    by: str = RAISER,
    opinion: str | None = typer.Option(None, "--opinion", help="What you think (opinion)."),
    immediate_risk: bool = typer.Option(False, "--immediate-risk"),
    crime_suspected: bool = typer.Option(False, "--crime-suspected"),
    as_json: bool = JSON,
) -> None:
    """Raise a concern about a child."""
    with guarded(as_json):
        cid = state.safeshare().concerns.raise_concern(
            child, category, facts, observed_at, by, opinion, immediate_risk, crime_suspected
        )
    _done(as_json, {"concern_id": str(cid)}, f"concern_id {cid}")


@app.command("correct-facts")
def correct_facts(
    concern_id: str = typer.Argument(...),
    facts: str = typer.Option(..., "--facts", help="The corrected facts, in full."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required)."),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Correct the facts; the original stays visible as superseded, later shares carry this."""
    with guarded(as_json):
        state.safeshare().concerns.correct_facts(concern_id, facts, reason, by)
    _done(as_json, {"concern_id": concern_id, "facts": "corrected"}, "facts corrected")


@app.command("add-to-facts")
def add_to_facts(
    concern_id: str = typer.Argument(...),
    addendum: str = typer.Option(..., "--addendum", help="What has since been learnt."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required)."),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Add an addendum to the facts; later shares carry it after the facts."""
    with guarded(as_json):
        state.safeshare().concerns.add_to_facts(concern_id, addendum, reason, by)
    _done(as_json, {"concern_id": concern_id, "facts": "addendum"}, "addendum recorded")


@app.command("advice")
def advice(
    concern_id: str = typer.Argument(...),
    from_whom: str = typer.Option(..., "--from", help="Who advised (golden rule 3)."),
    question: str = typer.Option(..., "--question"),
    answer: str | None = typer.Option(None, "--answer"),
    by: str = BY,
    identified: bool = typer.Option(
        False,
        "--identified/--anonymised",
        help="Whether the adviser was told who the child is (anonymised by default).",
    ),
    identified_reason: str | None = typer.Option(
        None, "--identified-reason", help="Why the adviser needed to know who the child is."
    ),
    as_json: bool = JSON,
) -> None:
    """Record advice sought, anonymised unless the child was named for a recorded reason."""
    with guarded(as_json):
        state.safeshare().concerns.seek_advice(
            concern_id, from_whom, question, by, answer, identified, identified_reason
        )
    _done(
        as_json,
        {"concern_id": concern_id, "recorded": "advice", "child_identified": identified},
        "advice recorded" + (" (child identified, reason recorded)" if identified else ""),
    )


@app.command("consent")
def consent(
    concern_id: str = typer.Argument(...),
    status: str = typer.Option(
        ..., "--status", help=", ".join(s.value for s in ConsentStatus if s.value != "none")
    ),
    by: str = BY,
    from_whom: str | None = typer.Option(None, "--from", help="child, parent or carer"),
    reason: str | None = typer.Option(
        None, "--reason", help="Not sought: " + ", ".join(r.value for r in NotSoughtReason)
    ),
    note: str | None = typer.Option(None, "--note", help="Free text (sealed)."),
    scope: list[str] = typer.Option([], "--scope", help="Agency ids or kinds consent covers."),
    delay_harm: str | None = typer.Option(
        None,
        "--delay-harm",
        help="Not sought for delay on a concern that is not urgent: the harm delay would risk.",
    ),
    as_json: bool = JSON,
) -> None:
    """Record consent sought, given, refused, withdrawn, or not sought (with the reason).

    A withdrawal (or a refusal after consent was given) withholds every undelivered referral
    that rested on that consent, unless a lawful basis without consent is recorded."""
    with guarded(as_json):
        withheld = state.safeshare().concerns.record_consent(
            concern_id,
            status,
            by,
            from_whom=from_whom,
            reason=reason,
            note=note,
            scope=scope,
            delay_harm=delay_harm,
        )
    _done(
        as_json,
        {"concern_id": concern_id, "consent": status, "withheld": [str(r) for r in withheld]},
        f"consent: {status}" + "".join(f"\nreferral {r} withheld" for r in withheld),
    )


@app.command("basis")
def basis(
    concern_id: str = typer.Argument(...),
    article6: str = typer.Option(..., "--article6"),
    justification: str = typer.Option(..., "--justification"),
    by: str = BY,
    article9: str | None = typer.Option(
        None, "--article9", help="Art. 9 condition (not explicit-consent), usually safeguarding."
    ),
    no_special_category_data: str | None = typer.Option(
        None,
        "--no-special-category-data",
        help="Instead of --article9: why the shared fields hold no special category data.",
    ),
    as_json: bool = JSON,
) -> None:
    """Record the lawful basis for sharing without consent (Art. 6 other than consent)."""
    with guarded(as_json):
        state.safeshare().concerns.record_lawful_basis(
            concern_id, article6, justification, by, article9, no_special_category_data
        )
    _done(
        as_json,
        {"concern_id": concern_id, "article6": article6, "article9": article9},
        f"lawful basis: {label(article6)}" + (f"; {label(article9)}" if article9 else ""),
    )


app.command("decide")(decide)  # (concern_decide.py: the decision, its own module)


@app.command("inform")
def inform(
    concern_id: str = typer.Argument(...),
    informed: bool = typer.Option(..., "--informed/--not-informed"),
    by: str = BY,
    reason: str | None = typer.Option(None, "--reason", help="Why the family was not told."),
    as_json: bool = JSON,
) -> None:
    """Record whether the family was told that information was shared, or why not."""
    with guarded(as_json):
        state.safeshare().concerns.inform(concern_id, informed, by, reason)
    _done(
        as_json,
        {"concern_id": concern_id, "family_informed": informed},
        "family informed" if informed else "family not informed (reason recorded)",
    )


@app.command("allegation")
def allegation(
    concern_id: str = typer.Argument(...),
    about: str = typer.Option(..., "--about", help="The member of staff it is about (sealed)."),
    about_account: str = typer.Option(
        ..., "--about-account", help="Their account (--by name): the case is hidden from it."
    ),
    case_manager: str = typer.Option(
        ..., "--case-manager", help="The headteacher, or the chair of governors if about the head."
    ),
    by: str = BY,
    about_headteacher: bool = typer.Option(False, "--about-headteacher"),
    named: list[str] = typer.Option([], "--named", help="Accounts they named: also restricted."),
    as_json: bool = JSON,
) -> None:
    """Record that the concern is an allegation against staff (KCSIE Part 4): restricted,
    managed by the headteacher or the chair of governors, referred to the LADO."""
    with guarded(as_json):
        state.safeshare().concerns.record_allegation(
            concern_id, about, about_account, case_manager, by, about_headteacher, named
        )
    _done(
        as_json,
        {"concern_id": concern_id, "allegation": True, "case_manager": case_manager},
        f"allegation recorded; case manager {for_console(case_manager)}; restricted",
    )


@app.command("tell-family")
def tell_family(
    concern_id: str = typer.Argument(...),
    told: bool = typer.Option(..., "--told/--not-told"),
    by: str = BY,
    account: str | None = typer.Option(
        None, "--account", help="What the family was told: why, what, how and with whom."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why telling them was unsafe or inappropriate."
    ),
    as_json: bool = JSON,
) -> None:
    """Record the family told from the outset (golden rule 2), or why not; at any point."""
    with guarded(as_json):
        state.safeshare().concerns.tell_family_at_outset(concern_id, told, by, account, reason)
    _done(
        as_json,
        {"concern_id": concern_id, "family_told_at_outset": told},
        "family told at the outset" if told else "family not told at the outset (reason recorded)",
    )


@app.command("retention")
def retention(
    concern_id: str = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="keep or erase"),
    reason: str = typer.Option(..., "--reason"),
    by: str = BY,
    next_review: str | None = typer.Option(None, "--next-review", help="YYYY-MM-DD"),
    as_json: bool = JSON,
) -> None:
    """Record a retention review."""
    with guarded(as_json):
        state.safeshare().concerns.review_retention(concern_id, outcome, reason, by, next_review)
    _done(as_json, {"concern_id": concern_id, "outcome": outcome}, f"retention: {outcome}")


@app.command("close")
def close(
    concern_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    by: str = BY,
    as_json: bool = JSON,
) -> None:
    """Close a concern."""
    with guarded(as_json):
        state.safeshare().concerns.close(concern_id, reason, by)
    _done(as_json, {"concern_id": concern_id, "closed": True}, "closed")


@app.command("show")
def show(
    concern_id: str = typer.Argument(...),
    as_of: str | None = typer.Option(None, "--as-of", help="ISO 8601: the case as it stood."),
    by: str = by_option(READERS, default="DSL"),
    break_glass_reason: str | None = typer.Option(
        None,
        "--break-glass-reason",
        help="Open a restricted case (allegation against staff) as another DSL: why.",
    ),
    as_json: bool = JSON,
) -> None:
    """The case as it stands (or stood), with its events in order."""
    with guarded(as_json):
        data = state.safeshare().views.show_concern(concern_id, by, as_of, break_glass_reason)
    emit(data, as_json, lambda: print_case(data))
