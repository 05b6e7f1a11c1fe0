"""How the CLI speaks: rich for people, `--json` for programs, and exit codes that mean
something (0 done, 1 the policy refused, 2 bad usage or bad input)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

from domain.errors import InvalidValue, PolicyRefusal, RecordChanged
from safeshare.display import add_row, console_for, for_console

console = console_for()
err_console = console_for(stderr=True)

__all__ = ["add_row", "console", "emit", "err_console", "fail", "for_console", "guarded"]

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_CHANGED = 4
"""Someone else changed the record meanwhile: nothing was saved; look again."""


def emit(data: Any, as_json: bool, human: Callable[[], None] | None = None) -> None:
    if as_json or human is None:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
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
    except ValueError as e:
        fail(EXIT_BAD_INPUT, str(e), as_json)
