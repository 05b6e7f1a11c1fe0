"""The agency directory: who the school refers to, by which channel, and what each needs.

Adding, changing or removing an agency is itself a recorded event with who and when.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.topics import stable_topics

DIRECTORY_ID: UUID = uuid5(NAMESPACE_URL, "https://safeshare.invalid/agency-directory")


class AgencyDirectory(CheapCopy, Aggregate):
    """The school's one directory of agencies."""

    class Opened(Aggregate.Created):
        TOPIC = "safeshare:directory:opened"

    class AgencyAdded(Aggregate.Event):
        TOPIC = "safeshare:directory:agency-added"
        agency_id: str
        name: str
        kind: str
        channel: str
        address: str
        certificate_pem: str
        profile: list[str]
        added_by: str

    class AgencyRemoved(Aggregate.Event):
        TOPIC = "safeshare:directory:agency-removed"
        agency_id: str
        reason: str
        removed_by: str

    @staticmethod
    def create_id() -> UUID:
        return DIRECTORY_ID

    @event(Opened)
    def __init__(self) -> None:
        self.agencies: dict[str, dict[str, Any]] = {}

    def add_agency(
        self,
        agency_id: str,
        name: str,
        kind: str,
        channel: str,
        address: str,
        certificate_pem: str,
        profile: list[str],
        added_by: str,
    ) -> None:
        """Adding an agency whose id is in use replaces its entry (a recorded change)."""
        self._agency_added(
            agency_id=agency_id,
            name=name,
            kind=kind,
            channel=channel,
            address=address,
            certificate_pem=certificate_pem,
            profile=sorted(profile),
            added_by=added_by,
        )

    @event(AgencyAdded)
    def _agency_added(
        self,
        agency_id: str,
        name: str,
        kind: str,
        channel: str,
        address: str,
        certificate_pem: str,
        profile: list[str],
        added_by: str,
    ) -> None:
        self.agencies[agency_id] = {
            "agency_id": agency_id,
            "name": name,
            "kind": kind,
            "channel": channel,
            "address": address,
            "certificate_pem": certificate_pem,
            "profile": list(profile),
            "added_by": added_by,
        }

    def remove_agency(self, agency_id: str, reason: str, removed_by: str) -> None:
        if agency_id not in self.agencies:
            raise InvalidValue("agency", f"no agency with id {agency_id!r}")
        self._agency_removed(agency_id=agency_id, reason=reason, removed_by=removed_by)

    @event(AgencyRemoved)
    def _agency_removed(self, agency_id: str, reason: str, removed_by: str) -> None:
        del self.agencies[agency_id]


stable_topics(AgencyDirectory, "safeshare:directory")
