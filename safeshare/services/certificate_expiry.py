"""Certificates that expire within 30 days, said before they do: on the DSL's worklist and, once
per certificate, in an alert mail to every DSL.

An expired agency certificate stops every referral to that agency (each escalates as a failed
packet); an expired school signing certificate stops every referral. Both are fixed ahead of
time: the agency sends its new certificate (`safeshare agency replace-certificate`), the school
rotates its own (`safeshare keys rotate signing`). `safeshare health` reports the same.

Only ids and dates leave this module: the agency's id, never anything about a child.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from safeshare.services.school import Safeshare
from sharing.pki import SchoolIdentity

EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class ExpiringCertificate:
    """One certificate that expires (or has expired) within the warning period."""

    whose: str
    """`school` or `agency`."""
    agency_id: str | None
    not_after: datetime
    fingerprint: str

    @property
    def label(self) -> str:
        if self.agency_id is None:
            return "the school's signing certificate"
        return f"agency {self.agency_id}'s certificate"

    def what_to_do(self) -> str:
        if self.agency_id is None:
            return "rotate it: safeshare keys rotate signing"
        return (
            "ask the agency for its new certificate: "
            f"safeshare agency replace-certificate {self.agency_id}"
        )

    def when(self, now: datetime) -> str:
        left = self.not_after - now
        day = self.not_after.date().isoformat()
        if left <= timedelta(0):
            return f"expired on {day}"
        return f"expires on {day} (in {max(left.days, 0)} days)"

    def work_item(self, now: datetime) -> dict[str, object]:
        """A worklist row (the shape of `projections.worklist.WorkItem`), ahead of the rest."""
        return {
            "priority": 0,
            "concern_id": "",
            "category": "",
            "urgent": False,
            "item": f"{self.label} {self.when(now)}: {self.what_to_do()}",
            "referral_id": None,
            "due": self.not_after.date().isoformat(),
            "child_id": None,
        }


def expiry_message(expiring: ExpiringCertificate, now: datetime) -> EmailMessage:
    """The DSLs' notice: which certificate, when, and what to do; no personal data."""
    m = EmailMessage()
    m["Subject"] = f"Certificate expiring: {expiring.label} {expiring.when(now)}"
    m["Message-ID"] = f"<certificate-{expiring.fingerprint[:32]}@safeshare.invalid>"
    stops = (
        "every referral"
        if expiring.agency_id is None
        else f"every referral to agency {expiring.agency_id}"
    )
    m.set_content(
        f"{expiring.label[0].upper()}{expiring.label[1:]} {expiring.when(now)}. When it has "
        f"expired, {stops} stops and is escalated to you as a failed packet.\n\n"
        f"Before then, {expiring.what_to_do()}\n\nThis message carries no personal data.\n"
    )
    return m


def expiring_certificates(
    s: Safeshare, now: datetime, within: timedelta = EXPIRY_WARNING
) -> list[ExpiringCertificate]:
    """The school's signing certificate and each agency's, when they expire before
    `now + within`; soonest first. An agency with no readable certificate is not listed here
    (`safeshare health` names it)."""
    found: list[ExpiringCertificate] = []
    school = SchoolIdentity.load(s.settings.data / "school")
    for agency_id, cert in [(None, school.signing_certificate), *_agency_certificates(s)]:
        if cert.not_valid_after_utc - now <= within:
            found.append(
                ExpiringCertificate(
                    "school" if agency_id is None else "agency",
                    agency_id,
                    cert.not_valid_after_utc,
                    cert.fingerprint(hashes.SHA256()).hex(),
                )
            )
    return sorted(found, key=lambda e: e.not_after)


def _agency_certificates(s: Safeshare) -> list[tuple[str | None, x509.Certificate]]:
    found: list[tuple[str | None, x509.Certificate]] = []
    for agency in s.agencies.entries():
        pem = str(agency.get("certificate_pem") or "")
        try:
            found.append((str(agency["agency_id"]), x509.load_pem_x509_certificate(pem.encode())))
        except ValueError:
            continue
    return found
