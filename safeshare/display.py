"""Recorded text on every display: shown exactly as written, never read as markup.

One place for the escaping each medium needs on top of `domain.visible_text.visible`:
the terminal (Rich console markup), HTML (Jinja autoescape), and plain text (mail, packets).
"""

from __future__ import annotations

import jinja2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.visible_text import visible, visible_value

__all__ = ["add_row", "console_for", "for_console", "html_environment", "visible"]


def for_console(value: object) -> str:
    """`value` as Rich markup that prints exactly its text: brackets escaped, control
    characters, ANSI escapes and bidi overrides shown visibly."""
    return escape(visible("" if value is None else str(value)))


def add_row(table: Table, *cells: object) -> None:
    """A table row whose every cell is shown as text, never as markup."""
    table.add_row(*(for_console(c) for c in cells))


def console_for(stderr: bool = False) -> Console:
    """A console that never turns ``:name:`` into an emoji: a message is shown as written."""
    return Console(stderr=stderr, emoji=False)


def html_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """Jinja for HTML: every value autoescaped and every invisible character shown visibly."""
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        finalize=visible_value,
    )
