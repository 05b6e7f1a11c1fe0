"""Copying an aggregate cheaply.

The application hands every command a private copy of a cached aggregate (so a refused
command cannot corrupt the cache). Our aggregates hold only immutable values (strings, numbers,
dates, ids, enums, `Sealed`, frozen dataclasses, events) inside lists and dicts, so a copy need
only rebuild the containers: much faster than `copy.deepcopy`'s general walk.
"""

from __future__ import annotations

from typing import Any, Self


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, set):
        return set(value)
    return value


class CheapCopy:
    """Mixin for aggregates whose state is immutable values in lists, dicts and sets."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update({k: _copy(v) for k, v in self.__dict__.items()})
        return clone
