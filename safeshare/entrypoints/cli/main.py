"""The `safeshare` command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from domain.user import Role
from safeshare.adapters.data_folder import restrict_new_files
from safeshare.adapters.logs import configure_logging
from safeshare.entrypoints.cli import (
    agencies,
    audit,
    audit_trail,
    children,
    concerns,
    custody,
    dispatch,
    health,
    projections,
    referrals,
    requests,
    retention,
    school_ops,
    schools,
    state,
    tokens,
    transfers,
    users,
    witness,
)
from safeshare.entrypoints.cli.case_display import print_case
from safeshare.entrypoints.cli.identity import check_role_if_signed_in
from safeshare.entrypoints.cli.output import add_row, console, emit, for_console, guarded
from safeshare.services.school import Safeshare

app = typer.Typer(
    help="safeshare: a school's safeguarding concerns and its information-sharing policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(children.app, name="child")
app.add_typer(concerns.app, name="concern")
app.add_typer(agencies.app, name="agency")
app.add_typer(referrals.app, name="referral")
app.add_typer(requests.app, name="request")
app.add_typer(retention.app, name="retention")
app.add_typer(transfers.app, name="transfer")
app.add_typer(schools.app, name="school")
school_ops.register(schools.app)
app.add_typer(referrals.keys_app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(witness.app, name="witness")
app.registered_commands += dispatch.app.registered_commands
projections.register(app)
app.command("health")(health.health)
audit_trail.register(audit.app)
users.register(app)
tokens.register(app)
custody.register(app, referrals.keys_app)

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.callback()
def main(
    ctx: typer.Context,
    data: Path | None = typer.Option(
        None, "--data", envvar="SAFESHARE_DATA", help="Data folder (default ./var)."
    ),
) -> None:
    restrict_new_files()
    configure_logging()
    state.start(ctx, data)


@app.command("init")
def init(as_json: bool = JSON) -> None:
    """Create the data folder, keys, the school's signing identity and audit key (no agencies:
    add your own with `safeshare agency add`; `safeshare demo` adds demonstration ones)."""
    from safeshare.entrypoints.initialise import initialise

    with guarded(as_json):
        made = initialise(state.settings())
    emit(
        {"created": [str(p) for p in made]},
        as_json,
        lambda: console.print(
            "initialised: " + for_console(", ".join(str(p) for p in made) or "nothing new")
        ),
    )


@app.command("demo")
def demo(as_json: bool = JSON) -> None:
    """Add the four demonstration agencies (with their key pairs, for the demo only), record a
    realistic set of cases through the real commands; print the worklist and one case's
    history."""
    from safeshare.demo.cases import run_demo
    from safeshare.demo.directory import install_demo_agencies
    from safeshare.demo.policy_cases import run_policy_demo
    from safeshare.demo.transfer_case import run_transfer_demo

    with guarded(as_json):
        install_demo_agencies(state.safeshare())
        featured = run_demo(state.safeshare())
        policy = run_policy_demo(state.safeshare())
        s = state.safeshare()
        second = _second_school(s)
        try:
            transfer = run_transfer_demo(s, second, s.settings.data / "demo-transfer")
            moved = second.views.show_concern(transfer.imported.concern_ids[0], "demo DSL")
        finally:
            second.close()
    if not as_json:
        _print_worklist(s.views.worklist())
        console.rule("One case's history")
        print_case(s.views.show_concern(str(featured), "demo DSL"))
        console.rule("A correction of the facts, then a share on consent")
        print_case(s.views.show_concern(str(policy.corrected_concern), "demo DSL"))
        console.rule("What MASH received: the household and the professionals")
        packet = s.views.show_referral(str(policy.household_referral), "demo DSL")["packet"]
        console.print(Text(str(packet["text"])))
        console.rule('A request for information answered "no", with reasons')
        shown = s.requests.show(str(policy.refused_request))
        decision = s.views.show_concern(shown["concern_id"], "demo DSL")["concern"]["decisions"]
        for key in ("requester_id", "cites_label", "what", "why"):
            console.print(Text(f"{key.replace('_', ' ')}: {shown[key]}"))
        console.print(Text(f"decided: DO NOT SHARE; reasons: {decision[-1]['reasons']}"))
        console.print(Text(f"reply to the requester: {shown['reply']}"))
        console.rule("The file follows the child: imported by a second school, receipt back")
        console.print(
            Text(
                f"{transfer.imported.from_school} -> {transfer.receipt['receiving_school']}: "
                f"referral {transfer.referral_id}, packet sha256 "
                f"{transfer.imported.content_sha256}"
            )
        )
        console.print(
            Text(
                f"at {transfer.receipt['receiving_school']}: child "
                f"{transfer.imported.child_id}, {len(transfer.imported.concern_ids)} record(s) "
                f"transferred from {moved['concern']['transferred_from']} on "
                f"{moved['concern']['transferred_on']}"
            )
        )
        console.print(
            Text(f"receipt recorded at {transfer.imported.from_school}: {transfer.receipt}")
        )
    else:
        emit(
            {
                "featured_concern": str(featured),
                "household_referral": str(policy.household_referral),
                "corrected_concern": str(policy.corrected_concern),
                "refused_request": str(policy.refused_request),
                "transfer_referral": transfer.referral_id,
                "transfer_receipt": transfer.receipt,
                "worklist": s.views.worklist(),
            },
            True,
        )


@app.command("worklist")
def worklist(as_json: bool = JSON) -> None:
    """What awaits the DSL, most pressing first."""
    check_role_if_signed_in((Role.DSL,), "read the worklist")
    with guarded(as_json):
        items = state.safeshare().views.worklist()
    emit(items, as_json, lambda: _print_worklist(items))


def _second_school(first: Safeshare) -> Safeshare:
    """The demo's second school: its own data folder (SQLite), keys and signing identity."""
    from safeshare.bootstrap import build
    from safeshare.entrypoints.initialise import initialise
    from safeshare.settings import Settings

    settings = Settings(
        data=first.settings.data / "demo-second-school",
        database_url=None,
        broker_url=None,
        school="elmfield",
        school_name="Elmfield Demo School",
    )
    initialise(settings, first.ctx.clock)
    return build(settings, clock=first.ctx.clock)


def _print_worklist(items: list[dict[str, object]]) -> None:
    table = Table(title="DSL worklist")
    for col in ("!", "concern (or child)", "category", "awaiting"):
        table.add_column(col)
    for i in items:
        add_row(
            table,
            "URGENT" if i["urgent"] else "",
            str(i["concern_id"] or (f"child {i['child_id']}" if i.get("child_id") else "")),
            str(i["category"]),
            str(i["item"]),
        )
    console.print(table)
