"""How the CLI speaks: rich for people, `--json` for programs, and exit codes that mean
something (0 done, 1 the policy refused, 2 bad usage or bad input, 3 an unexpected error: a
one-line message with an error id, the traceback in the data folder's error log)."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import structlog
import typer
from pydantic import ValidationError

from domain.errors import InvalidValue, PolicyRefusal, RecordChanged
from safeshare.display import add_row, console_for, for_console
from safeshare.services.read_models import to_json

console = console_for()
err_console = console_for(stderr=True)
log = structlog.get_logger("safeshare.cli")

__all__ = ["add_row", "console", "emit", "err_console", "fail", "for_console", "guarded"]

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 3
EXIT_CHANGED = 4
"""Someone else changed the record meanwhile: nothing was saved; look again."""


def emit(data: Any, as_json: bool, human: Callable[[], None] | None = None) -> None:
    if as_json or human is None:
        sys.stdout.write(json.dumps(data, indent=2, default=to_json) + "\n")
    else:
        human()


def fail(code: int, message: str, as_json: bool) -> NoReturn:
    if as_json:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
    err_console.print(
        f"[bold red]error:[/] {for_console(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


@contextmanager
def guarded(as_json: bool) -> Iterator[None]:
    """Turn domain errors into one line and the right exit code; nothing was recorded."""
    from eventsourcing.persistence import IntegrityError

    from safeshare.adapters.sealing import KeyFileError
    from sharing.errors import SharingError

    try:
        yield
    except RecordChanged as e:
        fail(EXIT_CHANGED, str(e), as_json)
    except IntegrityError:
        fail(EXIT_CHANGED, str(RecordChanged()), as_json)
    except PolicyRefusal as e:
        fail(EXIT_REFUSED, f"refused: {e}", as_json)
    except InvalidValue as e:
        fail(EXIT_BAD_INPUT, str(e), as_json)
    except SharingError as e:
        fail(EXIT_BAD_INPUT, str(e), as_json)
    except KeyFileError as e:
        fail(EXIT_BAD_INPUT, str(e), as_json)
    except ValidationError as e:
        fail(EXIT_BAD_INPUT, settings_problem(e), as_json)
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:
        error_id = record_unexpected(e)
        fail(
            EXIT_UNEXPECTED,
            f"unexpected error {error_id} ({type(e).__name__}); nothing more was recorded. "
            "The details are in <data>/logs/errors.log under this id.",
            as_json,
        )


def settings_problem(e: ValidationError) -> str:
    """A configuration error, naming the setting (as its environment variable)."""
    first = e.errors()[0]
    name = "SAFESHARE_" + str(first["loc"][0]).upper() if first.get("loc") else "settings"
    return f"{name}: {first['msg']}"


def record_unexpected(e: BaseException) -> str:
    """Log the traceback with a fresh error id (ids only, never the arguments) and return it."""
    from safeshare.adapters.logs import append_error_log
    from safeshare.entrypoints.cli import state

    error_id = secrets.token_hex(4)
    try:
        append_error_log(state.settings().data / "logs" / "errors.log", error_id, e)
    except Exception:  # no data folder to write to: the traceback goes to stderr instead
        log.error("unexpected error", error_id=error_id, exc_info=e)
    else:
        log.error("unexpected error", error_id=error_id, error=type(e).__name__)
    return error_id
