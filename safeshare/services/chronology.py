"""The child's chronology across concerns (the KCSIE chronology for a conference), as a typed
read model the CLI, the web pages and the API all render. Reading it is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.errors import InvalidValue
from domain.sealed import Sealed
from projections.chronology import entries
from projections.timeliness import Timeliness
from safeshare.reports.timeliness import Report, build_report
from safeshare.services import projections as ps
from safeshare.services.school import Safeshare


@dataclass(frozen=True)
class ChronologyEntry:
    occurred_at: str
    recorded_at: str
    entry: str
    by: str
    concern_id: str | None
    record_id: str
    detail: dict[str, object] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    """Sealed text opened for this reader: label -> what was written (or "[erased]")."""


@dataclass(frozen=True)
class Chronology:
    child_id: str
    entries: tuple[ChronologyEntry, ...]


def child_chronology(s: Safeshare, child_id: str, viewer: str) -> Chronology:
    """The child's significant events in the order they happened; the view is recorded first."""
    child = s.ctx.child(child_id)
    s.views.record_view(child.id, viewer, "chronology")
    r = ps.runner(s, "chronology")
    r.catch_up()
    with r.db.transaction() as tx:
        found = entries(tx, str(child.id), ps.staff_names(s))
    return Chronology(
        child_id=str(child.id),
        entries=tuple(
            ChronologyEntry(
                occurred_at=e.occurred_at,
                recorded_at=e.recorded_at,
                entry=e.entry,
                by=e.actor,
                concern_id=e.concern_id,
                record_id=e.record_id,
                detail=dict(e.detail),
                text={t["label"]: _unseal(s, child.id, t) for t in e.texts},
            )
            for e in found
        ),
    )


def _unseal(s: Safeshare, child_id: UUID, token: dict[str, str]) -> str:
    return s.ctx.sealer.unseal(child_id, Sealed(token["f"], token["t"])) or ""


def timeliness_report(s: Safeshare, start: date, end: date) -> Report:
    """The governors' report for a period: each step against its standard, month by month."""
    if end < start:
        raise InvalidValue("to", "the period ends before it begins")
    r = ps.runner(s, "timeliness")
    r.catch_up()
    assert isinstance(r.projection, Timeliness)
    std, cal = ps.standards(s.settings), ps.calendar(s.settings)
    with r.db.transaction() as tx:
        return build_report(
            tx, r.projection, s.settings.school_name, start, end, s.ctx.clock(), std, cal
        )
