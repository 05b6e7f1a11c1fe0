"""`safeshare user ...` and `safeshare serve`."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from domain.errors import InvalidValue
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import console, emit, guarded

app = typer.Typer(help="Accounts: the people who sign in, each with one role.")

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("add")
def add(
    name: str = typer.Option(..., "--name", help="The person's name, as the record shows it."),
    email: str = typer.Option(..., "--email", help="Their email address (signs them in)."),
    role: str = typer.Option(..., "--role", help="staff, dsl, auditor or admin."),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar="SAFESHARE_NEW_PASSWORD",
        help="First password (asked for when not given); at least 12 characters.",
    ),
    as_json: bool = JSON,
) -> None:
    """Add an account. DSLs, auditors and admins set up their authenticator app at first
    sign-in. The record names the operating-system user who added it."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    by = f"{getpass.getuser()} (command line)"
    with guarded(as_json):
        user_id = state.safeshare().accounts.add(name, email, role, password, by)
    emit({"user_id": str(user_id)}, as_json, lambda: console.print(f"user_id {user_id}"))


@app.command("disable")
def disable(
    email: str = typer.Option(..., "--email", help="The account of the person who has left."),
    reason: str = typer.Option("left the school", "--reason"),
    as_json: bool = JSON,
) -> None:
    """A member of staff who leaves loses their account: it cannot sign in, its sessions and
    API tokens stop working. The account stays in the record, disabled."""
    from domain.user import User

    by = f"{getpass.getuser()} (command line)"
    with guarded(as_json):
        account = state.safeshare().accounts.disable(User.create_id(email), reason, by)
    emit(
        {"user_id": str(account.user_id), "disabled": True},
        as_json,
        lambda: console.print(f"disabled {account.user_id}"),
    )


@app.command("enable")
def enable(
    email: str = typer.Option(..., "--email", help="The disabled account of someone back."),
    as_json: bool = JSON,
) -> None:
    """Enable a disabled account again (the person came back, or it was disabled by
    mistake): it signs in again; its old sessions stay ended and its old API tokens are
    revoked. The record names the operating-system user who enabled it."""
    from domain.user import User

    by = f"{getpass.getuser()} (command line)"
    with guarded(as_json):
        account = state.safeshare().accounts.enable(User.create_id(email), by)
    emit(
        {"user_id": str(account.user_id), "disabled": False},
        as_json,
        lambda: console.print(f"enabled {account.user_id}"),
    )


@app.command("deputy")
def deputy(
    email: str = typer.Option(..., "--email", help="A DSL's account."),
    no: bool = typer.Option(False, "--no", help="No longer a deputy."),
    as_json: bool = JSON,
) -> None:
    """Mark a DSL as a deputy DSL: an unacknowledged urgent alert escalates to the deputies
    first, then to the headteacher."""
    from domain.user import User

    by = f"{getpass.getuser()} (command line)"
    with guarded(as_json):
        account = state.safeshare().accounts.set_deputy(User.create_id(email), not no, by)
    emit(
        {"user_id": str(account.user_id), "deputy": account.deputy},
        as_json,
        lambda: console.print(f"{account.user_id} deputy={account.deputy}"),
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="user")
    root.add_typer(roll_app, name="roll")
    register_alerts(root)
    register_demo_accounts(root)

    @root.command("setup-link")
    def setup_link(
        hours: float | None = typer.Option(
            None, "--hours", help="How long it works (default SAFESHARE_SETUP_LINK_HOURS, 24)."
        ),
        as_json: bool = JSON,
    ) -> None:
        """A one-time link for the first administrator to sign in: they choose their own
        password, then set up an authenticator app. It works once and expires; only its hash
        is kept; the record names the operating-system user who made it."""
        from safeshare.services.setup_links import SetupLinks

        by = f"{getpass.getuser()} (command line)"
        with guarded(as_json):
            s = state.safeshare()
            link = SetupLinks(s.ctx, s.accounts).issue(by, hours)
        emit(
            {"url": link.url, "expires_at": link.expires_at.isoformat()},
            as_json,
            lambda: console.print(
                f"{link.url}\n(works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC)",
                highlight=False,
                markup=False,
                soft_wrap=True,  # one line, whatever the terminal's width: it is copied
            ),
        )

    @root.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        workers: int = typer.Option(
            1, "--workers", min=1, max=64, help="uvicorn worker processes (each builds the app)."
        ),
    ) -> None:
        """Serve the web pages (uvicorn). No relay or worker runs in this process. With
        several workers, sign-in sessions need sticky routing (they live in each worker's
        memory); the API's tokens do not."""
        import os

        import uvicorn

        from safeshare.entrypoints.web.app import create_app

        if workers == 1:
            uvicorn.run(
                create_app(state.safeshare()),
                host=host,
                port=port,
                proxy_headers=True,
                timeout_keep_alive=state.KEEP_ALIVE_SECONDS,
            )
            return
        os.environ["SAFESHARE_DATA"] = str(state.settings().data)
        uvicorn.run(
            "safeshare.entrypoints.web.asgi:make_app",
            factory=True,
            workers=workers,
            timeout_keep_alive=state.KEEP_ALIVE_SECONDS,
            timeout_worker_healthcheck=state.WORKER_HEALTHCHECK_SECONDS,
            host=host,
            port=port,
            proxy_headers=True,
        )


roll_app = typer.Typer(help="The school roll from the MIS (SIMS, Arbor, Bromcom pupil export).")


@roll_app.command("import")
def roll_import(
    file: Path = typer.Argument(..., help="The MIS pupil export, CSV with a header row."),
    whole_roll: bool = typer.Option(
        False,
        "--whole-roll",
        help="The file is the whole roll: pupils on the roll and not in it have left. "
        "Without it, nobody is marked as leaving (a year group, new starters).",
    ),
    as_json: bool = JSON,
) -> None:
    """Register each pupil not yet on the roll (by UPN); names are sealed at once. A bad row
    is named by its line and field; the other rows are recorded. With --whole-roll, pupils on
    the roll and not in the file are recorded as having left; without it they are counted
    and left as they are."""
    from safeshare.services.child_search import ChildSearch
    from safeshare.services.roll import RollImport

    by = f"{getpass.getuser()} (command line roll import)"
    with guarded(as_json):
        s = state.safeshare()
        try:
            text = file.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise InvalidValue("file", f"cannot be read ({type(e).__name__})") from None
        result = RollImport(s.children, ChildSearch(s.ctx)).import_csv(text, by, whole_roll)
    missing = len(result.not_in_file)
    if result.whole_roll:
        leavers = f"\nleft the roll {result.left}, files to transfer {result.transfers_opened}"
    elif missing:
        leavers = f"\nnot in the file {missing}: nobody marked as leaving (--whole-roll to do so)"
    else:
        leavers = ""
    emit(
        {
            "added": result.added,
            "already": result.already_on_roll,
            "problems": result.problems,
            "returned": result.returned,
            "not_in_file": missing,
            "left": result.left,
            "transfers_opened": result.transfers_opened,
        },
        as_json,
        lambda: console.print(
            f"added {result.added}, already on the roll {result.already_on_roll}"
            + leavers
            + "".join(f"\n{p}" for p in result.problems),
            highlight=False,
            markup=False,
        ),
    )
    if result.problems:
        raise typer.Exit(2)


def register_alerts(root: typer.Typer) -> None:
    @root.command("alerts")
    def alerts(
        once: bool = typer.Option(False, "--once", help="Send what is due, then stop."),
        interval: float = typer.Option(5.0, "--interval", help="Seconds between looks."),
    ) -> None:
        """Mail every DSL when a concern is raised (no personal data: the urgency and a
        link), and once when a certificate expires within 30 days, through the referrals'
        SMTP relay. Run beside the relay, not in the web
        process."""
        import time

        from safeshare.adapters.channels import smtp_channel
        from safeshare.entrypoints.cli.metrics_server import serve_metrics
        from safeshare.services.dsl_alerts import AlertService

        s = state.safeshare()
        channel = smtp_channel(s.settings)
        service = AlertService(s.ctx, s.projection_db())
        if not once:
            serve_metrics(None)
        while True:
            sent = service.send_new(channel.send_notice)
            escalated = service.escalate_due(channel.send_notice)
            expiring = service.warn_expiring_certificates(s, channel.send_notice)
            if sent or escalated or expiring:
                console.print(
                    f"alerts: {sent} new concern(s), {escalated} escalated, "
                    f"{expiring} certificate(s) expiring"
                )
            if once:
                return
            time.sleep(interval)


def register_demo_accounts(root: typer.Typer) -> None:
    @root.command("demo-accounts")
    def demo_accounts(as_json: bool = JSON) -> None:
        """Add one demonstration account per role (demo only) and print how to sign in."""
        from safeshare.demo.accounts import add_demo_accounts

        with guarded(as_json):
            made = add_demo_accounts(state.safeshare())
        emit(
            [a.__dict__ for a in made],
            as_json,
            lambda: console.print(
                "\n".join(
                    f"{a.role:8} {a.email}  password: {a.password!r}"
                    + (f"  authenticator key: {a.totp_secret}" if a.totp_secret else "")
                    for a in made
                ),
                highlight=False,
                markup=False,
            ),
        )
