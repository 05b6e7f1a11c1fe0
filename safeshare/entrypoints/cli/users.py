"""`safeshare user ...` and `safeshare serve`."""

from __future__ import annotations

import getpass

import typer

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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="user")

    @root.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
    ) -> None:
        """Serve the web pages (uvicorn). No relay or worker runs in this process."""
        import uvicorn

        from safeshare.entrypoints.web.app import create_app

        uvicorn.run(create_app(state.safeshare()), host=host, port=port, proxy_headers=True)
