"""Stable topics for aggregates and their events.

Stored events name their class by topic. The library's default topic is the module and class
name, so a rename would orphan every stored event; each of our event classes declares its own
`TOPIC` instead, and the aggregate gets one here. Renaming a class then changes nothing stored.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

_LIBRARY_NAMES = frozenset({"Event", "Created"})


def stable_topics(aggregate_class: type[Aggregate], topic: str) -> None:
    """Give `aggregate_class` the stable `topic` and register every declared event topic."""
    aggregate_class.TOPIC = topic  # type: ignore[attr-defined]
    register_topic(topic, aggregate_class)
    for name, value in list(vars(aggregate_class).items()):
        if not (isinstance(value, type) and issubclass(value, Aggregate.Event)):
            continue
        event_topic = getattr(value, "TOPIC", None)
        if event_topic is None:
            if name in _LIBRARY_NAMES:
                continue
            msg = f"{aggregate_class.__name__}.{name} declares no TOPIC"
            raise TypeError(msg)
        register_topic(event_topic, value)
