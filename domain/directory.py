"""The agency directory: who the school refers to, by which channel, and what each needs.

Adding, changing or removing an agency is itself a recorded event with who and when.

An agency whose mailbox cannot hold a certificate (its mail client has no S/MIME key) is
entered with `mail_certificate=False` and the address of its portal: it is never mailed a
referral (`referred_through_portal`); the DSL uploads the exported packet to the portal.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        mail_certificate: bool = True
        portal: str | None = None

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
        mail_certificate: bool = True,
        portal: str | None = None,
    ) -> None:
        """Adding an agency whose id is in use replaces its entry (a recorded change)."""
        check_a_portal_is_given_when_mail_cannot_be_opened(mail_certificate, portal)
        self._agency_added(
            agency_id=agency_id,
            name=name,
            kind=kind,
            channel=channel,
            address=address,
            certificate_pem=certificate_pem,
            profile=sorted(profile),
            added_by=added_by,
            mail_certificate=mail_certificate,
            portal=portal,
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
        mail_certificate: bool = True,
        portal: str | None = None,
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
            "mail_certificate": mail_certificate,
            "portal": portal,
        }

    def remove_agency(self, agency_id: str, reason: str, removed_by: str) -> None:
        if agency_id not in self.agencies:
            raise InvalidValue("agency", f"no agency with id {agency_id!r}")
        self._agency_removed(agency_id=agency_id, reason=reason, removed_by=removed_by)

    @event(AgencyRemoved)
    def _agency_removed(self, agency_id: str, reason: str, removed_by: str) -> None:
        del self.agencies[agency_id]


def check_a_portal_is_given_when_mail_cannot_be_opened(
    mail_certificate: bool, portal: str | None
) -> None:
    """An agency that cannot open encrypted mail needs another secure route: its portal.

    Policy, "Secure": "Wherever possible, information should be shared in an appropriate,
    secure way." A referral is never sent to such an agency as a plain-text mail instead.
    """
    if not mail_certificate and not (portal or "").startswith("https://"):
        raise InvalidValue(
            "portal",
            "an agency whose mailbox cannot hold a certificate needs its portal's https:// "
            "address: referrals to it are uploaded there, never mailed in plain text",
        )


def referred_through_portal(entry: Mapping[str, Any]) -> bool:
    """True when referrals to this agency go by the DSL's upload to its portal, not by mail.

    Policy, "Secure": "Wherever possible, information should be shared in an appropriate,
    secure way." Mail is encrypted to the agency's certificate; an agency whose mailbox cannot
    hold one could not open it, and a plain-text mail is never the fallback.
    """
    return entry.get("channel") == "smtp" and not entry.get("mail_certificate", True)


stable_topics(AgencyDirectory, "safeshare:directory")
