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
from domain.recipient import Recipient
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

    class CertificateReplaced(Aggregate.Event):
        TOPIC = "safeshare:directory:certificate-replaced"
        agency_id: str
        certificate_pem: str
        old_fingerprint: str
        new_fingerprint: str
        reason: str
        replaced_by: str

    class AddressChanged(Aggregate.Event):
        TOPIC = "safeshare:directory:address-changed"
        agency_id: str
        old_channel: str
        old_address: str
        channel: str
        address: str
        reason: str
        changed_by: str
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
        """A new agency. An id in use is refused: a decided referral must never be re-pointed by
        an entry replaced under it; certificates and addresses change by their own commands."""
        self.check_id_is_free(agency_id)
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

    def check_id_is_free(self, agency_id: str) -> None:
        if agency_id in self.agencies:
            raise InvalidValue(
                "id",
                f"agency {agency_id!r} is already in the directory; change it with "
                "`agency replace-certificate` or `agency change-address`",
            )

    def entry(self, agency_id: str) -> dict[str, Any]:
        found = self.agencies.get(agency_id)
        if found is None:
            raise InvalidValue("agency", f"no agency with id {agency_id!r}")
        return found

    def recipient(self, agency_id: str, certificate_fingerprint: str) -> Recipient:
        """The agency's entry as a referral decided now would go to it (the fingerprint of its
        certificate is computed by whoever can parse one: the domain reads no X.509)."""
        return Recipient.of_entry(self.entry(agency_id), certificate_fingerprint)

    def replace_certificate(
        self, agency_id: str, current: Recipient, renewed: Recipient, reason: str, replaced_by: str
    ) -> None:
        """The agency's new certificate, recorded with the old and new fingerprints. Referrals
        already decided keep the certificate frozen on them until the DSL confirms the new
        one or decides again."""
        self.check_is_the_entry(agency_id, current)
        if renewed.certificate_fingerprint == current.certificate_fingerprint:
            raise InvalidValue("cert", "this is the certificate the directory already holds")
        self._certificate_replaced(
            agency_id=agency_id,
            certificate_pem=renewed.certificate_pem,
            old_fingerprint=current.certificate_fingerprint,
            new_fingerprint=renewed.certificate_fingerprint,
            reason=reason,
            replaced_by=replaced_by,
        )

    @event(CertificateReplaced)
    def _certificate_replaced(
        self,
        agency_id: str,
        certificate_pem: str,
        old_fingerprint: str,
        new_fingerprint: str,
        reason: str,
        replaced_by: str,
    ) -> None:
        self.agencies[agency_id] = {**self.agencies[agency_id], "certificate_pem": certificate_pem}

    def change_address(
        self, agency_id: str, current: Recipient, moved: Recipient, reason: str, changed_by: str
    ) -> None:
        """The agency's new channel or address, or its move to a portal (recorded with the old
        one); decided referrals keep the address frozen on them until the DSL confirms it."""
        self.check_is_the_entry(agency_id, current)
        check_a_portal_is_given_when_mail_cannot_be_opened(moved.mail_certificate, moved.portal)
        if moved.route == current.route:
            raise InvalidValue("address", "this is the address the directory already holds")
        self._address_changed(
            agency_id=agency_id,
            old_channel=current.channel,
            old_address=current.address,
            channel=moved.channel,
            address=moved.address,
            reason=reason,
            changed_by=changed_by,
            mail_certificate=moved.mail_certificate,
            portal=moved.portal,
        )

    @event(AddressChanged)
    def _address_changed(
        self,
        agency_id: str,
        old_channel: str,
        old_address: str,
        channel: str,
        address: str,
        reason: str,
        changed_by: str,
        mail_certificate: bool = True,
        portal: str | None = None,
    ) -> None:
        self.agencies[agency_id] = {
            **self.agencies[agency_id],
            "channel": channel,
            "address": address,
            "mail_certificate": mail_certificate,
            "portal": portal,
        }

    def check_is_the_entry(self, agency_id: str, current: Recipient) -> None:
        """A change starts from the entry as the directory holds it now, not a stale copy."""
        held = self.recipient(agency_id, current.certificate_fingerprint)
        if held != current:
            raise InvalidValue("agency", f"agency {agency_id!r} changed meanwhile; look again")

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
