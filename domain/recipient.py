"""Whom exactly a referral goes to: an agency's name, channel, address, certificate and
whether its mailbox can hold one (else its portal).

One value, so that freezing the recipient on a referral at the decision, confirming a changed
directory entry, replacing an agency's certificate and changing its address all speak of the
same thing. Stored events keep their flat fields as they always had them: a `Recipient` is
built from them and spread into them (`frozen_fields`), never stored as itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

Route = tuple[str, str, str, bool, str | None]
"""(certificate fingerprint, channel, address, mail certificate, portal): where a packet goes
and to whose key it is sealed."""


@dataclass(frozen=True)
class Recipient:
    name: str
    channel: str
    address: str
    certificate_pem: str
    certificate_fingerprint: str
    mail_certificate: bool = True
    portal: str | None = None

    @classmethod
    def of_entry(cls, entry: Mapping[str, Any], certificate_fingerprint: str) -> Recipient:
        """The directory's entry for an agency, as a referral decided now would go to it (an
        entry made before `mail_certificate` existed could hold mail certificates)."""
        return cls(
            name=str(entry["name"]),
            channel=str(entry["channel"]),
            address=str(entry["address"]),
            certificate_pem=str(entry["certificate_pem"]),
            certificate_fingerprint=certificate_fingerprint,
            mail_certificate=bool(entry.get("mail_certificate", True)),
            portal=entry.get("portal"),
        )

    @property
    def route(self) -> Route:
        return (
            self.certificate_fingerprint,
            self.channel,
            self.address,
            self.mail_certificate,
            self.portal,
        )

    def with_certificate(self, certificate_pem: str, certificate_fingerprint: str) -> Recipient:
        return replace(
            self, certificate_pem=certificate_pem, certificate_fingerprint=certificate_fingerprint
        )

    def moved_to(
        self, channel: str, address: str, mail_certificate: bool, portal: str | None
    ) -> Recipient:
        return replace(
            self,
            channel=channel,
            address=address,
            mail_certificate=mail_certificate,
            portal=portal,
        )

    def frozen_fields(self) -> dict[str, Any]:
        """The recipient's fields of `Referral.RecipientFrozen`, flat, named as stored."""
        return {
            "name": self.name,
            "channel": self.channel,
            "address": self.address,
            "certificate_pem": self.certificate_pem,
            "certificate_fingerprint": self.certificate_fingerprint,
            "mail_certificate": self.mail_certificate,
            "portal": self.portal,
        }
