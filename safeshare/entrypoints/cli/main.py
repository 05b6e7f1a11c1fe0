"""The `safeshare` command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safeshare.adapters.data_folder import restrict_new_files
from safeshare.adapters.logs import configure_logging
from safeshare.entrypoints.cli import (
    agencies,
    audit,
    audit_trail,
    children,
    concerns,
    dispatch,
    health,
    projections,
    referrals,
    state,
    users,
)
from safeshare.entrypoints.cli.output import add_row, console, emit, for_console, guarded

app = typer.Typer(
    help="safeshare: a school's safeguarding concerns and its information-sharing policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(children.app, name="child")
app.add_typer(concerns.app, name="concern")
app.add_typer(agencies.app, name="agency")
app.add_typer(referrals.app, name="referral")
app.add_typer(referrals.keys_app, name="keys")
app.add_typer(audit.app, name="audit")
app.registered_commands += dispatch.app.registered_commands
projections.register(app)
app.command("health")(health.health)
audit_trail.register(audit.app)
users.register(app)

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

    with guarded(as_json):
        install_demo_agencies(state.safeshare())
        featured = run_demo(state.safeshare())
    if not as_json:
        _print_worklist(state.safeshare().views.worklist())
        console.rule("One case's history")
        concerns.print_case(state.safeshare().views.show_concern(str(featured), "demo DSL"))
    else:
        emit(
            {"featured_concern": str(featured), "worklist": state.safeshare().views.worklist()},
            True,
        )


@app.command("worklist")
def worklist(as_json: bool = JSON) -> None:
    """What awaits the DSL, most pressing first."""
    with guarded(as_json):
        items = state.safeshare().views.worklist()
    emit(items, as_json, lambda: _print_worklist(items))


def _print_worklist(items: list[dict[str, object]]) -> None:
    table = Table(title="DSL worklist")
    for col in ("!", "concern", "category", "awaiting"):
        table.add_column(col)
    for i in items:
        add_row(
            table,
            "URGENT" if i["urgent"] else "",
            str(i["concern_id"]),
            str(i["category"]),
            str(i["item"]),
        )
    console.print(table)
