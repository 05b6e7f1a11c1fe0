"""A case printed for a person on a terminal (Rich, every recorded value escaped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.panel import Panel
from rich.table import Table

from safeshare.entrypoints.cli.output import console, for_console
from safeshare.services.read_models import CaseView


def print_case(data: CaseView | Mapping[str, Any]) -> None:
    """A case for a person on a terminal: a concern as shown, or as an auditor's replay."""
    c = data["concern"]
    child = c["child"]
    head = (
        f"[bold]{for_console(c['category_label'])}[/]  concern {for_console(c['concern_id'])}\n"
        f"child: {for_console(child.get('name', '?'))} "
        f"(born {for_console(child.get('dob', '?'))})\n"
        f"observed {for_console(c['observed_at'])}, raised by {for_console(c['raised_by'])}"
        + ("  [bold red]URGENT[/]" if c["urgent"] else "")
        + (f"\n[dim]as of {for_console(data['as_of'])}[/]" if data.get("as_of") else "")
    )
    console.print(Panel(head, title="Concern", expand=False))
    console.print(f"[bold]FACT[/]: {for_console(c['facts'])}")
    for a in c.get("fact_amendments", []):
        if a["kind"] == "correction":
            console.print(
                f"[dim]superseded ({for_console(a['reason'])}, {for_console(a['by'])}): "
                f"{for_console(a['superseded'])}[/]"
            )
        else:
            console.print(f"[bold]ADDENDUM[/] ({for_console(a['by'])}): {for_console(a['text'])}")
    if c["opinion"]:
        console.print(f"[bold]OPINION[/] (not established fact): {for_console(c['opinion'])}")
    table = Table(title="History", show_lines=False)
    for col in ("#", "recorded at (UTC)", "what happened", "by"):
        table.add_column(col)
    for e in data["events"]:
        what = for_console(e["summary"])
        if e.get("reasons"):
            what += f"\n[dim]reasons: {for_console(e['reasons'])}[/]"
        table.add_row(
            for_console(e["version"]),
            for_console(e["recorded_at"][:16].replace("T", " ")),
            what,
            for_console(e.get("by", "")),
        )
    console.print(table)
    for r in data["referrals"]:
        console.print(
            f"referral {for_console(r['referral_id'])} → {for_console(r['agency_id'])}: "
            f"{for_console(r['status'])}"
        )
