"""Bad input at the edge: one clear sentence naming the field and the problem.

Raised before any command reaches an aggregate, so nothing is recorded.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from domain.errors import InvalidValue
from domain.visible_text import is_blank

E = TypeVar("E", bound=StrEnum)

MAX_TEXT = 20_000
MAX_NAME = 200
EARLIEST = date(1900, 1, 1)
"""No safeguarding record is about anything before this day: earlier dates are typing errors."""
LINE_BREAKS = "\r\n\u0085\u2028\u2029\x0b\x0c"
_AGENCY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def required_text(field: str, value: str | None, limit: int = MAX_TEXT) -> str:
    """Text that must say something: blank or zero-width-only text is empty."""
    if value is None or is_blank(value):
        raise InvalidValue(field, "is required")
    return optional_text(field, value, limit) or ""


def optional_text(field: str, value: str | None, limit: int = MAX_TEXT) -> str | None:
    """Text recorded exactly as given (outer spaces trimmed); text that cannot be seen (only
    spaces or zero-width characters) is no text."""
    if value is None or is_blank(value):
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidValue(field, f"is {len(value)} characters long; the limit is {limit}")
    check_characters(field, value)
    return value


def check_characters(field: str, value: str) -> None:
    """Refuse what cannot be recorded or would act on a display instead of being read:
    text that was not valid UTF-8, and control characters (ANSI escapes among them) other
    than tab and line breaks."""
    for char in value:
        if "\ud800" <= char <= "\udfff":
            raise InvalidValue(field, "is not valid UTF-8 text")
        if char not in "\t\n\r" and unicodedata.category(char) == "Cc":
            raise InvalidValue(field, f"contains a control character (U+{ord(char):04X})")


def code(field: str, value: str | None, kind: type[E]) -> E:
    if value is None or not value.strip():
        raise InvalidValue(field, f"is required (one of: {', '.join(e.value for e in kind)})")
    try:
        return kind(value.strip())
    except ValueError:
        choices = ", ".join(e.value for e in kind)
        raise InvalidValue(field, f"{value!r} is not one of: {choices}") from None


def optional_code(field: str, value: str | None, kind: type[E]) -> E | None:
    return None if value is None or not value.strip() else code(field, value, kind)


def identifier(field: str, value: str | UUID) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value.strip())
    except (ValueError, AttributeError):
        raise InvalidValue(field, f"{value!r} is not a valid id") from None


def moment(
    field: str, value: str | datetime, now: datetime, allow_future: bool = False
) -> datetime:
    """An ISO 8601 moment; one without an offset is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValue(field, f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year < EARLIEST.year:
        raise InvalidValue(field, f"is before {EARLIEST.year}")
    if not allow_future and parsed > now:
        raise InvalidValue(field, "is in the future")
    return parsed


def day(field: str, value: str | date, today: date, allow_future: bool = False) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidValue(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if parsed < EARLIEST:
        raise InvalidValue(field, f"is before {EARLIEST.year}")
    if not allow_future and parsed > today:
        raise InvalidValue(field, "is in the future")
    return parsed


def single_line(field: str, value: str | None, limit: int = MAX_NAME) -> str:
    """A required one-line value (a name, an address): a line break could forge a header or a
    second line of a record."""
    text = required_text(field, value, limit)
    if any(c in LINE_BREAKS for c in text):
        raise InvalidValue(field, "must be one line (no line breaks)")
    return text


def scripts_of(text: str) -> set[str]:
    """The writing systems of the letters in `text` (LATIN, CYRILLIC, GREEK, ...)."""
    found: set[str] = set()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            found.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return found


def one_script(field: str, value: str) -> str:
    """Refuse look-alike letters: a name whose letters come from two writing systems
    (`maѕh` with a Cyrillic s) could pass for another agency's."""
    scripts = scripts_of(value)
    if len(scripts) > 1:
        listed = ", ".join(sorted(s.title() for s in scripts))
        raise InvalidValue(field, f"mixes letters of different alphabets ({listed}); retype it")
    return value


def agency_id(field: str, value: str | None) -> str:
    """An agency id: ASCII letters, digits, '-' and '_' (so no look-alike letters)."""
    text = required_text(field, value, 64)
    if not _AGENCY_ID.fullmatch(text):
        raise InvalidValue(field, "use ASCII letters, digits, '-' and '_' only (at most 64)")
    return text


def seconds(field: str, value: float, least: float, most: float) -> float:
    """A finite number of seconds within bounds (not negative, not NaN, not infinite)."""
    if not math.isfinite(value) or not least <= value <= most:
        raise InvalidValue(field, f"must be a number of seconds from {least:g} to {most:g}")
    return value


def next_review_day(value: str | None, today: date) -> date | None:
    """A retention review's next date: none, or a day after today."""
    if not value:
        return None
    nxt = day("next-review", value, today, allow_future=True)
    if nxt <= today:
        raise InvalidValue("next-review", "must be a date after today")
    return nxt
