"""Who did it: the attribute of each event that names the person (or process) responsible.

The audit trail and a case's history both answer "who?" from these, so they agree.
"""

from __future__ import annotations

from typing import Any

ACTOR_FIELDS: tuple[str, ...] = (
    "viewer",
    "raised_by",
    "registered_by",
    "sought_by",
    "recorded_by",
    "decided_by",
    "reviewed_by",
    "erased_by",
    "closed_by",
    "requested_by",
    "exported_by",
    "added_by",
    "removed_by",
    "replaced_by",
    "changed_by",
    "frozen_by",
    "noted_by",
)


def actor_of(event: Any) -> str | None:
    """The person an event names as responsible, if it names one."""
    for key in ACTOR_FIELDS:
        value = getattr(event, key, None)
        if isinstance(value, str):
            return value
    return None
