"""The school's custody log (backups, restores, key rotations), read and appended to."""

from __future__ import annotations

from typing import Any, cast

from domain.custody import CUSTODY_ID, CustodyLog
from safeshare.adapters.case_records import CaseRecords


def custody_log(app: CaseRecords) -> CustodyLog:
    """The school's custody log, opened on first use."""
    found = app.find(CUSTODY_ID, CustodyLog)
    return found if found is not None else CustodyLog()


def custody_history(app: CaseRecords) -> list[dict[str, Any]]:
    """Every custody event, oldest first: what it was, when, and its details."""
    if app.find(CUSTODY_ID, CustodyLog) is None:
        return []
    out: list[dict[str, Any]] = []
    for e in app.events.get(CUSTODY_ID):
        if isinstance(e, CustodyLog.Opened):
            continue
        details = {
            k: v
            for k, v in vars(e).items()
            if k not in ("originator_id", "originator_version", "timestamp")
        }
        kind = str(getattr(type(e), "TOPIC", type(e).__name__)).rsplit(":", 1)[-1]
        out.append({"event": kind, "at": cast(Any, e).timestamp.isoformat(), **details})
    return out
