"""Pagination by cursor on every list the API answers: `?limit=` (bounded) and `?cursor=`
(opaque: the `next_cursor` of the page before, which is null on the last page). A cursor is
bound to the list that gave it; one that is not a cursor of this list is a 422 naming the
field `cursor`. It carries a position only (never an id or anything personal)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from domain.errors import InvalidValue

T = TypeVar("T")

MAX_LIMIT = 500
_VERSION = "c1"


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next (null on the last)."""

    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


CURSOR = Query(
    default=None,
    max_length=200,
    description="opaque: the `next_cursor` of the page before; omit for the first page",
)
LIMIT = Query(default=100, ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}")


def encode(list_name: str, position: int) -> str:
    raw = f"{_VERSION}:{list_name}:{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(list_name: str, cursor: str | None) -> int | None:
    """The position a cursor of `list_name` carries (None for the first page)."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        version, name, position = raw.split(":")
        value = int(position)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidValue("cursor", "not a cursor this list gave (use next_cursor)") from None
    if version != _VERSION or name != list_name or value < 0:
        raise InvalidValue("cursor", "not a cursor this list gave (use next_cursor)")
    return value


def offset_page(list_name: str, rows: Sequence[T], cursor: str | None, limit: int) -> Page[T]:
    """A page of a list held whole (sorted by the service): the cursor is the offset."""
    start = decode(list_name, cursor) or 0
    end = start + limit
    more = end < len(rows)
    return Page(items=list(rows[start:end]), next_cursor=encode(list_name, end) if more else None)
