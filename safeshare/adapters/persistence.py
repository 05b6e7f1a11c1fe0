"""The event store: `eventsourcing` recorders extended with side tables kept in the same
transaction as the events, following the library's "searchable timestamps" example (the
recorders: `sqlite_store.py`, `postgres_store.py`).

- `event_timestamps`: as-of replay needs the version of an aggregate at a moment (DESIGN.md);
  each save records `(originator_id, timestamp, version)` for every event.
- the case index (`safeshare/adapters/case_index.py`): a child's concerns, each referral's
  current state and records by kind and key, so that nothing done often reads the whole log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Transcoding

from domain.sealed import Sealed
from safeshare.adapters.case_index import CaseIndexRows, ReferralRow

EventTimestamps = list[tuple[UUID, datetime, int]]
TIMESTAMPS_KWARG = "event_timestamps"


class SealedAsDict(Transcoding):
    """Stores a `Sealed` value as its field name and ciphertext token."""

    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> dict[str, str]:
        return {"f": obj.field, "t": obj.token}

    def decode(self, data: dict[str, str]) -> Sealed:
        return Sealed(data["f"], data["t"])


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class AsOfRecorder:
    """What the application needs for as-of reads and the case index, on either database."""

    def version_at(self, originator_id: UUID, at: datetime) -> int | None:
        raise NotImplementedError

    def concerns_of_child(self, child_id: UUID) -> list[UUID]:
        """The child's concerns, in the order they were raised."""
        raise NotImplementedError

    def referral_rows(self, statuses: Collection[str] | None = None) -> list[ReferralRow]:
        """Referrals in the order they were prepared, only those in `statuses` if given."""
        raise NotImplementedError

    def records_keyed(self, kind: str, key: str = "") -> list[UUID]:
        """The records of a kind under a key (`case_index.KEYS`), in the order they joined."""
        raise NotImplementedError

    def events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of these records in one query, each record's in version order: for
        building something from many records at once (the roll search's index) without a
        query per record."""
        raise NotImplementedError

    def case_index_version(self) -> int | None:
        raise NotImplementedError

    def write_case_index(self, rows: CaseIndexRows, version: int | None = None) -> None:
        """Write rows in their own transaction (a rebuild), marking the index `version`."""
        raise NotImplementedError

    def release(self) -> None:
        """Close what the recorder holds beside the library's connection pool."""


REFERRAL_COLUMNS = (
    "referral_id, concern_id, agency_id, status, urgent, attempts, last_error, "
    "escalation_reason, receipt, updated_at, started_at, version"
)
REFERRAL_UPDATE = (
    "status = excluded.status, urgent = excluded.urgent, attempts = excluded.attempts, "
    "last_error = excluded.last_error, escalation_reason = excluded.escalation_reason, "
    "receipt = excluded.receipt, updated_at = excluded.updated_at, "
    "started_at = COALESCE(excluded.started_at, r.started_at), version = excluded.version "
    "WHERE excluded.version > r.version"
)
