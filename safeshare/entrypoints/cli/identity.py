"""Who is at the command line: the account behind an API token (`SAFESHARE_TOKEN`, or the
token file `safeshare login` writes, mode 0600), holding the role the command needs; the
record names the account and "(command line)".

`--by NAME` is deprecated: it is used only when no token is present (with a warning), so that
existing scripts keep working while schools move to accounts. With a token, `--by` is ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from domain.api_token import TokenRefused
from domain.user import Role
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import EXIT_BAD_INPUT, EXIT_REFUSED, err_console
from safeshare.services.accounts import Account
from safeshare.services.api_tokens import ApiTokenService

VIA = "command line"
CASEWORK = (Role.DSL,)
RAISERS = (Role.STAFF, Role.DSL)
READERS = (Role.DSL, Role.AUDITOR)


def token_file() -> Path:
    found = os.environ.get("SAFESHARE_TOKEN_FILE")
    if found:
        return Path(found)
    return Path.home() / ".config" / "safeshare" / "token"


def write_token_file(token: str) -> Path:
    """The token, readable by its owner only (0600), written without a moment at 0644."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    path.chmod(0o600)
    return path


def presented_token() -> str | None:
    token = os.environ.get("SAFESHARE_TOKEN", "").strip()
    if token:
        return token
    path = token_file()
    if path.is_file():
        return path.read_text().strip() or None
    return None


def signed_in_account(what: str) -> Account | None:
    """The account the token acts as (its use recorded), or None without a token; a token
    that is not valid stops the command (exit 2)."""
    token = presented_token()
    if token is None:
        return None
    school = state.safeshare()
    try:
        return ApiTokenService(school.ctx, school.accounts).authenticate(token, f"cli {what}")
    except TokenRefused:
        err_console.print(
            "[bold red]error:[/] token: not valid (expired or revoked): sign in again with "
            "safeshare login",
            highlight=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None


def actor(by: str | None, roles: tuple[Role, ...], what: str, default: str | None = None) -> str:
    """How the record names who runs this command. Without a token: the deprecated `--by`
    (with a warning), else the command's old default reader name, else refused (exit 2)."""
    account = signed_in_account(what)
    if account is not None:
        if account.role not in roles:
            needed = " or ".join(r.value for r in roles)
            err_console.print(
                f"[bold red]error:[/] refused: {account.role.value} accounts may not {what} "
                f"(policy: role {needed})",
                highlight=False,
            )
            raise typer.Exit(EXIT_REFUSED)
        return f"{account.actor} ({VIA})"
    if by:
        err_console.print(
            "[yellow]warning:[/] --by is deprecated: sign in with safeshare login "
            "(or set SAFESHARE_TOKEN) so the record names your account",
            highlight=False,
        )
        return by
    if default:
        return default
    err_console.print(
        "[bold red]error:[/] by: sign in first (safeshare login, or SAFESHARE_TOKEN)",
        highlight=False,
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def by_option(roles: tuple[Role, ...], default: str | None = None) -> Any:
    """The `--by` option of a command, resolved to who runs it (see `actor`)."""

    def resolve(ctx: typer.Context, value: str | None) -> str:
        return actor(value, roles, str(ctx.info_name or "do this"), default)

    help_text = "Deprecated (sign in with safeshare login): who records this, without a token."
    return typer.Option(None, "--by", help=help_text, callback=resolve)


Resolver = Callable[[typer.Context, str | None], str]


def check_role_if_signed_in(roles: tuple[Role, ...], what: str) -> None:
    """For a read that never named a reader: with a token, the account must hold the role
    (exit 1 otherwise); without one it runs as before (the deprecated anonymous read)."""
    actor(None, roles, what, default="-")
