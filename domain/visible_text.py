"""Text from a person, shown exactly as written and never as instructions to a display.

A record must show what was written. Characters that would act on a terminal or a reader instead
of being read (control characters and ANSI escapes, bidi overrides such as U+202E, zero-width
characters) are shown visibly: a control character as its Unicode control picture (ESC as ``␛``),
any other invisible format character as ``⟨U+202E⟩``. Every display of recorded text (terminal,
HTML, mail, packet text) goes through `visible`; `safeshare.display` adds each medium's escaping
on top.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

KEPT = frozenset("\n\t")
"""Layout characters that are shown as themselves."""

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
"""Control, format (bidi, zero-width), lone surrogate, private-use and unassigned characters."""


@lru_cache(maxsize=4096)
def _picture(char: str) -> str:
    point = ord(char)
    if point < 0x20:
        return chr(0x2400 + point)
    if point == 0x7F:
        return "\u2421"
    return f"⟨U+{point:04X}⟩"


def is_invisible(char: str) -> bool:
    """True for a character that would act on a display, or hide, rather than be read."""
    return char not in KEPT and unicodedata.category(char) in INVISIBLE_CATEGORIES


def visible(text: str) -> str:
    """`text` with every invisible or acting character shown as a visible stand-in."""
    if text.isprintable() and "\r" not in text:
        return text
    text = text.replace("\r\n", "\n")
    return "".join(_picture(c) if is_invisible(c) else c for c in text)


def is_blank(text: str) -> bool:
    """True when nothing in `text` can be seen: only spaces and zero-width or format characters.

    A required field of two zero-width spaces is empty.
    """
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def visible_value(value: object) -> object:
    """A template's `finalize`: strings shown visibly, other values (and values already marked
    safe, e.g. `markupsafe.Markup`, which carry an ``__html__``) left as they are."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible(value)
    return value
