"""The auditor's reads, as typed read models the pages and the API render: the audit trail
filtered and paged, a replay with its proofs checked, verification, the offline bundle, and
what each referral shared. Every one of them is itself recorded in the audit trail."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue
from projections.audit_trail import AuditRow, query
from projections.integrity_diagnosis import Problem
from safeshare.services import projections as ps
from safeshare.services.audit import audit_service
from safeshare.services.school import Safeshare

_LISTS = uuid5(NAMESPACE_URL, "https://safeshare.invalid/lists")
AUDIT_RECORD = uuid5(_LISTS, "audit")
"""Where the auditor's looks at the whole log (trail, verify, export) are recorded."""
SCHOOL_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class TrailFilter:
    record: str | None = None
    actor: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    """The last day included."""

    def describe(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("record", self.record),
                ("actor", self.actor),
                ("action", self.action),
                ("from", self.since),
                ("to", self.until),
            )
            if value
        ]
        return " ".join(parts) or "everything"


@dataclass(frozen=True)
class TrailPage:
    rows: list[AuditRow]
    next_cursor: int | None


@dataclass(frozen=True)
class Verification:
    problems: list[Problem]
    checked_at: str


def _start_of(day: date) -> str:
    return datetime.combine(day, time(), SCHOOL_TIME).isoformat()


class AuditPages:
    def __init__(self, school: Safeshare) -> None:
        self.s = school

    def record(self, viewer: str, action: str) -> None:
        self.s.views.record_view(AUDIT_RECORD, viewer, action)

    def trail(
        self, wanted: TrailFilter, viewer: str, after: int | None = None, limit: int = 100
    ) -> TrailPage:
        """One page of the trail, oldest first, from after the cursor; the look is recorded
        (with the filter, so "who searched for this child?" is answered too)."""
        if wanted.since and wanted.until and wanted.until < wanted.since:
            raise InvalidValue("to", "the period ends before it begins")
        self.record(viewer, f"audit trail: {wanted.describe()}")
        r = ps.runner(self.s, "audit_trail")
        r.catch_up()
        with r.db.transaction() as tx:
            rows = query(
                tx,
                record=wanted.record,
                actor=wanted.actor,
                action=wanted.action,
                since=_start_of(wanted.since) if wanted.since else None,
                until=_start_of(wanted.until + timedelta(days=1)) if wanted.until else None,
                after=after,
                limit=limit + 1,
                names=ps.staff_names(self.s),
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return TrailPage(rows, rows[-1].position if more and rows else None)

    def all_rows(self, wanted: TrailFilter, viewer: str) -> list[AuditRow]:
        """Every row the filter finds (for the CSV export); recorded as an export."""
        self.record(viewer, f"audit trail export: {wanted.describe()}")
        r = ps.runner(self.s, "audit_trail")
        r.catch_up()
        with r.db.transaction() as tx:
            return query(
                tx,
                record=wanted.record,
                actor=wanted.actor,
                action=wanted.action,
                since=_start_of(wanted.since) if wanted.since else None,
                until=_start_of(wanted.until + timedelta(days=1)) if wanted.until else None,
                limit=10**9,
                names=ps.staff_names(self.s),
            )

    def replay(self, concern_id: str, as_of: str, viewer: str) -> dict[str, Any]:
        """The case as it stood, with whether every inclusion proof checked out."""
        audit = audit_service(self.s)
        answer = audit.replay(concern_id, as_of, viewer)
        events = answer.get("events", [])
        answer["all_included"] = bool(events) and all(e.get("included") for e in events)
        current = self.s.ctx.concern(concern_id)
        answer["later_events"] = current.version - int(answer.get("version") or 0)
        newest = audit.checkpoints()
        at = newest[-1].recorded_at if newest else None
        answer["newest_checkpoint_at"] = at.isoformat() if at else None
        answer["newest_checkpoint_age"] = _age(self.s.ctx.clock() - at) if at else None
        return answer

    def verify(self, viewer: str) -> Verification:
        """`audit verify`, its result recorded in the trail."""
        problems = audit_service(self.s).verify()
        self.record(viewer, f"audit verify: {len(problems)} problem(s)")
        return Verification(problems, self.s.ctx.clock().isoformat())

    def bundle(self, viewer: str, concern_id: str | None = None) -> bytes:
        """The offline bundle (as `audit export` writes it), zipped; the export is recorded."""
        if concern_id is not None:
            self.s.ctx.concern(concern_id)
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp) / "bundle"
            audit_service(self.s).export(directory, concern_id)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(directory.rglob("*")):
                    if path.is_file():
                        z.write(path, f"bundle/{path.relative_to(directory)}")
        if concern_id is not None:
            self.s.views.record_view(UUID(concern_id), viewer, "audit export")
        self.record(viewer, f"audit export: {concern_id or 'whole log'}")
        return buffer.getvalue()


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> str:
    """A CSV cell a spreadsheet shows as text: one that begins with `=`, `+`, `-` or `@`
    (or a tab or carriage return) would run as a formula, so it gets a leading apostrophe
    (OWASP, "CSV injection")."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(SPREADSHEET_TRIGGERS) else text


def trail_csv(rows: list[AuditRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["position", "recorded_at", "actor", "action", "record_id", "kind", "child_id"])
    for r in rows:
        writer.writerow(
            spreadsheet_safe(v)
            for v in (
                r.position,
                r.recorded_at,
                r.actor,
                r.action,
                r.record_id,
                r.record_kind,
                r.child_id,
            )
        )
    return out.getvalue()
