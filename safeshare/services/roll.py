"""The school roll from the MIS: the pupil export SIMS, Arbor and Bromcom produce (CSV).

Issue 13: "UPN, legal and preferred names, date of birth, year and registration group; names
are sealed like every personal field". Each pupil not yet known (by UPN) is registered as a
child; a pupil already on the roll is left as recorded. A bad row is reported by its line and
field and nothing of it is recorded; the good rows are.

A pupil known by UPN and not in the export has left ("a pupil who leaves the roll and has a
child-protection file opens the transfer task (5 school days) on the DSL's worklist") only
if the export is the whole roll: a partial export (one year group, a new starters' file) must
not mark everyone else as leaving, so leavers are recorded only when the person importing says
the file is the whole roll (`whole_roll`), and the web asks them to confirm how many first
(`record_leavers`). One who is back in a later export has returned, whatever the file.
A file with no pupil rows changes nobody.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.child import Child
from domain.errors import InvalidValue
from safeshare.services.child_search import ChildSearch
from safeshare.services.children import ChildService

# Column names as the MIS exports spell them, lower-cased; the first found is used.
COLUMNS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "unique pupil number"),
    "surname": ("legal surname", "surname", "last name"),
    "forename": ("legal forename", "forename", "first name"),
    "preferred": ("preferred forename", "preferred name", "known as"),
    "dob": ("dob", "date of birth"),
}


@dataclass
class RollResult:
    added: int = 0
    already_on_roll: int = 0
    problems: list[str] = field(default_factory=list)
    left: int = 0
    """Pupils on the roll before, not in this export: recorded as having left."""
    transfers_opened: int = 0
    """Of those, the ones with a child-protection file: the transfer task is on the worklist."""
    returned: int = 0
    not_in_file: list[UUID] = field(default_factory=list)
    """Pupils on the roll (known by UPN) and not in this file: they have left only if the
    file is the whole roll."""
    with_file: int = 0
    """Of those, the ones with a child-protection file."""
    whole_roll: bool = False
    """The person importing said the file is the whole roll."""


def _date_of_birth(value: str) -> str:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidValue("date of birth", "is not a date like 19/01/2014")


def _display_name(row: dict[str, str]) -> str:
    """The name staff search and read: the preferred forename where the MIS has one."""
    forename = row.get("preferred") or row.get("forename") or ""
    surname = row.get("surname") or ""
    name = f"{forename.strip()} {surname.strip()}".strip()
    if not name:
        raise InvalidValue("name", "the row has neither forename nor surname")
    legal = f"{(row.get('forename') or '').strip()} {surname.strip()}".strip()
    return name if legal in ("", name) else f"{name} ({legal})"


class RollImport:
    def __init__(self, children: ChildService, search: ChildSearch) -> None:
        self.children = children
        self.search = search

    def import_csv(self, text: str, by: str, whole_roll: bool = False) -> RollResult:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        try:
            fieldnames = reader.fieldnames or []
            rows = list(reader)
        except csv.Error as e:
            raise InvalidValue("file", f"is not a CSV file the MIS exports ({e})") from None
        headers = {h.strip().lower(): h for h in fieldnames}
        mapping = {
            key: next((headers[n] for n in names if n in headers), None)
            for key, names in COLUMNS.items()
        }
        missing = [k for k in ("upn", "surname", "dob") if mapping[k] is None]
        if missing:
            raise InvalidValue("file", f"no column for {', '.join(missing)} in the header row")
        known = {m.upn.strip().upper() for m in self.search.known() if m.upn}
        result = RollResult()
        for line, raw in enumerate(rows, start=2):
            row = {k: (raw.get(col) or "") for k, col in mapping.items() if col}
            upn = row["upn"].strip().upper()
            try:
                if not upn:
                    raise InvalidValue("upn", "is empty")
                if upn in known:
                    result.already_on_roll += 1
                    continue
                self.children.register(
                    _display_name(row), _date_of_birth(row["dob"]), by=by, upn=upn
                )
            except InvalidValue as e:
                result.problems.append(f"line {line}: {e}")
                continue
            known.add(upn)
            result.added += 1
        present = {(raw.get(mapping["upn"] or "") or "").strip().upper() for raw in rows}
        if present - {""}:
            self._compare(present, by, result)
        if whole_roll:
            self.record_leavers(result.not_in_file, by, result)
        return result

    def _compare(self, present: set[str], by: str, result: RollResult) -> None:
        """Who is back on the roll (recorded), and who is on it but not in the file."""
        for match in self.search.known():
            upn = (match.upn or "").strip().upper()
            if not upn:
                continue  # registered by hand, not from the MIS: not the roll's to say
            if upn in present:
                if self.children.return_to_roll(match.child_id, by):
                    result.returned += 1
                continue
            child = self.children.ctx.app.find(match.child_id, Child)
            if child is not None and child.on_roll and not child.erased:
                result.not_in_file.append(match.child_id)
                result.with_file += int(bool(self.children.concern_ids(match.child_id)))

    def record_leavers(
        self, child_ids: list[UUID], by: str, result: RollResult | None = None
    ) -> RollResult:
        """The pupils on the roll and not in a whole-roll file, recorded as having left (each
        once); those with a child-protection file open the transfer task."""
        result = result or RollResult()
        result.whole_roll = True
        for child_id in child_ids:
            opened = self.children.leave_roll(child_id, by)
            if opened is not None:
                result.left += 1
                result.transfers_opened += int(opened)
        return result
