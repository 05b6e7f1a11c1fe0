"""`safeshare login` / `logout` (the command line as an account) and `safeshare token ...`
(an operator makes, lists and revokes an account's API tokens; the record names the
operating-system user)."""

from __future__ import annotations

import getpass
from uuid import UUID

import typer

from domain.user import User
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.identity import (
    VIA,
    presented_token,
    signed_in_account,
    token_file,
    write_token_file,
)
from safeshare.entrypoints.cli.output import EXIT_BAD_INPUT, console, emit, fail, guarded
from safeshare.services.accounts import SignInRefused
from safeshare.services.api_tokens import ApiTokenService

app = typer.Typer(help="API tokens: for the school's systems and the command line.")
JSON = typer.Option(False, "--json", help="Machine-readable output.")


def _tokens() -> ApiTokenService:
    school = state.safeshare()
    return ApiTokenService(school.ctx, school.accounts)


def _operator() -> str:
    return f"{getpass.getuser()} (command line)"


@app.command("create")
def create(
    email: str = typer.Option(..., "--for", help="The account's email address."),
    label: str = typer.Option("API token", "--label", help="What it is for."),
    days: float | None = typer.Option(None, "--days", min=0.01, help="Lifetime (default 90)."),
    as_json: bool = JSON,
) -> None:
    """Make a token for an account, with its role. Shown once: only its hash is kept."""
    with guarded(as_json):
        issued = _tokens().issue(User.create_id(email), label, _operator(), days)
    emit(
        {"token_id": issued.token_id, "token": issued.token, "expires_at": issued.expires_at},
        as_json,
        lambda: console.print(
            f"{issued.token}\n[dim]token {issued.token_id}, until {issued.expires_at}; "
            "shown once[/]",
            highlight=False,
        ),
    )


@app.command("revoke")
def revoke(token_id: str, as_json: bool = JSON) -> None:
    """Revoke a token: it stops working at once."""
    with guarded(as_json):
        _tokens().revoke(token_id, _operator())
    emit({"token_id": token_id, "revoked": True}, as_json, lambda: console.print("revoked"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="token")

    @root.command("login")
    def login(
        email: str = typer.Option(..., "--email", prompt=True, help="Your account's email."),
        as_json: bool = JSON,
    ) -> None:
        """Sign in with your password and second factor; writes a token file (mode 0600)
        that the other commands use. SAFESHARE_TOKEN_FILE says where (default
        ~/.config/safeshare/token)."""
        password = typer.prompt("Password", hide_input=True)
        school = state.safeshare()
        with guarded(as_json):
            try:
                account = school.accounts.check_password(email, password, VIA)
            except SignInRefused:
                fail(EXIT_BAD_INPUT, "sign-in: the email address or password is not right", as_json)
            if account.needs_second_factor:
                code = typer.prompt("Code from your authenticator app (or a recovery code)")
                if not school.accounts.check_second_factor(account.user_id, code):
                    fail(
                        EXIT_BAD_INPUT,
                        "code: not right; enter the code your app shows now",
                        as_json,
                    )
            school.accounts.complete_sign_in(account.user_id, VIA)
            issued = _tokens().issue(account.user_id, "command line", f"{account.actor} ({VIA})")
        path = write_token_file(issued.token)
        emit(
            {"account": account.actor, "role": account.role.value, "token_file": str(path)},
            as_json,
            lambda: console.print(f"Signed in as {account.actor}; token in {path} (0600)"),
        )

    @root.command("logout")
    def logout(as_json: bool = JSON) -> None:
        """Revoke the command line's token and remove the token file."""
        account = signed_in_account("logout") if presented_token() else None
        path = token_file()
        token = presented_token()
        if account is not None and token is not None:
            token_id = token.removeprefix("sst_").split("_", 1)[0]
            _tokens().revoke(str(UUID(hex=token_id)), f"{account.actor} ({VIA})")
        path.unlink(missing_ok=True)
        emit({"signed_out": True}, as_json, lambda: console.print("Signed out."))
