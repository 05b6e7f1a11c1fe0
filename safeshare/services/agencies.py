"""The agency directory as the DSL and the operator use it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.codes import AgencyKind
from domain.directory import DIRECTORY_ID, AgencyDirectory, referred_through_portal
from domain.errors import InvalidValue
from domain.packet_fields import PacketField
from domain.recipient import Recipient
from safeshare import validation
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, one_script, required_text, single_line
from sharing.errors import CertificateRefused
from sharing.pki import certificate_fingerprint, load_agency_certificate
from sharing.profiles import default_profile

CHANNELS = ("smtp", "https")


class AgencyService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def directory(self) -> AgencyDirectory:
        """The directory, to change (a private copy)."""
        found = self.ctx.app.find(DIRECTORY_ID, AgencyDirectory)
        return found if found is not None else AgencyDirectory()

    def _current(self) -> dict[str, dict[str, Any]]:
        """The directory's entries, to read (no copy is made of the cached directory)."""
        try:
            return self.ctx.app.read(DIRECTORY_ID, AgencyDirectory).agencies
        except AggregateNotFoundError:
            return {}

    def add(
        self,
        agency_id: str,
        name: str,
        kind: str,
        channel: str,
        address: str,
        certificate_pem: str,
        by: str,
        fields: Sequence[str] = (),
        mail_certificate: bool = True,
        portal: str | None = None,
    ) -> None:
        """Add a new agency (an id in the directory is refused: see `replace_certificate` and
        `change_address`). `mail_certificate=False` says its mailbox cannot hold a certificate:
        referrals to it go by upload to `portal`, never by mail."""
        agency_id = validation.agency_id("id", agency_id)
        kind_code = code("kind", kind, AgencyKind)
        channel, address = _channel_and_address(channel, address)
        if portal is not None:
            portal = one_script("portal", single_line("portal", portal, 500))
            if not portal.startswith("https://"):
                raise InvalidValue("portal", "a portal needs an https:// URL")
        self._usable_certificate(certificate_pem)
        profile = default_profile(kind_code)
        if fields:
            chosen = set()
            for f in fields:
                try:
                    chosen.add(PacketField(f.strip()))
                except ValueError:
                    raise InvalidValue("fields", f"{f!r} is not a packet field") from None
            profile = frozenset(chosen)
        directory = self.directory()
        directory.check_id_is_free(agency_id)
        directory.add_agency(
            agency_id=agency_id,
            name=one_script("name", single_line("name", name)),
            kind=kind_code.value,
            channel=channel,
            address=address,
            certificate_pem=certificate_pem,
            profile=[f.value for f in profile],
            added_by=required_text("by", by, MAX_NAME),
            mail_certificate=mail_certificate,
            portal=portal,
        )
        self.ctx.app.save(directory)

    def _usable_certificate(self, certificate_pem: str) -> str:
        """The certificate's fingerprint, if a packet can be sealed to it now."""
        try:
            cert = load_agency_certificate(certificate_pem.encode(), self.ctx.clock())
        except CertificateRefused as e:
            raise InvalidValue("cert", e.reason) from None
        return cert.fingerprint_sha256

    def replace_certificate(
        self, agency_id: str, certificate_pem: str, reason: str, by: str
    ) -> tuple[str, str]:
        """The agency's new certificate; the old and new fingerprints, as recorded."""
        directory = self.directory()
        current = self._recipient(directory, agency_id)
        new = self._usable_certificate(certificate_pem)
        directory.replace_certificate(
            agency_id,
            current,
            current.with_certificate(certificate_pem, new),
            required_text("reason", reason, 500),
            required_text("by", by, MAX_NAME),
        )
        old = current.certificate_fingerprint
        self.ctx.app.save(directory)
        return old, new

    def change_address(
        self,
        agency_id: str,
        channel: str,
        address: str,
        reason: str,
        by: str,
        mail_certificate: bool = True,
        portal: str | None = None,
    ) -> None:
        """The agency's new channel and address, or its move to upload by portal (the old ones
        stay in the history)."""
        channel, address = _channel_and_address(channel, address)
        if portal is not None:
            portal = one_script("portal", single_line("portal", portal, 500))
        directory = self.directory()
        current = self._recipient(directory, agency_id)
        directory.change_address(
            agency_id,
            current,
            current.moved_to(channel, address, mail_certificate, portal),
            required_text("reason", reason, 500),
            required_text("by", by, MAX_NAME),
        )
        self.ctx.app.save(directory)

    def _recipient(self, directory: AgencyDirectory, agency_id: str) -> Recipient:
        pem = str(directory.entry(agency_id)["certificate_pem"])
        return directory.recipient(agency_id, certificate_fingerprint(pem.encode()))

    def remove(self, agency_id: str, reason: str, by: str) -> None:
        directory = self.directory()
        directory.remove_agency(
            agency_id, required_text("reason", reason, 500), required_text("by", by, MAX_NAME)
        )
        self.ctx.app.save(directory)

    def entries(self) -> list[dict[str, Any]]:
        return [dict(a) for _, a in sorted(self._current().items())]

    def history(self) -> list[dict[str, Any]]:
        """Every change to the directory: what, which agency, who, when, why."""
        rows: list[dict[str, Any]] = []
        for e in self.ctx.app.events.get(DIRECTORY_ID):
            if isinstance(e, AgencyDirectory.AgencyAdded):
                rows.append(
                    {
                        "change": "added",
                        "agency_id": e.agency_id,
                        "by": e.added_by,
                        "reason": None,
                        "recorded_at": e.timestamp.isoformat(),
                        "detail": f"certificate {_fingerprint_or_unreadable(e.certificate_pem)}, "
                        f"{e.channel} {e.address}",
                    }
                )
            elif isinstance(e, AgencyDirectory.CertificateReplaced):
                rows.append(
                    {
                        "change": "certificate replaced",
                        "agency_id": e.agency_id,
                        "by": e.replaced_by,
                        "reason": e.reason,
                        "recorded_at": e.timestamp.isoformat(),
                        "old_fingerprint": e.old_fingerprint,
                        "new_fingerprint": e.new_fingerprint,
                        "detail": f"certificate {e.old_fingerprint} -> {e.new_fingerprint}",
                    }
                )
            elif isinstance(e, AgencyDirectory.AddressChanged):
                rows.append(
                    {
                        "change": "address changed",
                        "agency_id": e.agency_id,
                        "by": e.changed_by,
                        "reason": e.reason,
                        "recorded_at": e.timestamp.isoformat(),
                        "detail": f"{e.old_channel} {e.old_address} -> {e.channel} {e.address}",
                    }
                )
            elif isinstance(e, AgencyDirectory.AgencyRemoved):
                rows.append(
                    {
                        "change": "removed",
                        "agency_id": e.agency_id,
                        "by": e.removed_by,
                        "reason": e.reason,
                        "recorded_at": e.timestamp.isoformat(),
                        "detail": "",
                    }
                )
        return rows

    def portal_upload(self, agency_id: str) -> str | None:
        """The portal the DSL uploads this agency's packets to, when it is never mailed one."""
        agency = self._current().get(agency_id)
        if agency is None or not referred_through_portal(agency):
            return None
        return str(agency["portal"])

    def get(self, agency_id: str, field: str = "agency") -> dict[str, Any]:
        agency = self._current().get(agency_id)
        if agency is None:
            raise InvalidValue(field, f"no agency with id {agency_id!r} in the directory")
        return dict(agency)


def _channel_and_address(channel: str, address: str) -> tuple[str, str]:
    if channel not in CHANNELS:
        raise InvalidValue("channel", f"{channel!r} is not one of: smtp, https")
    address = one_script("address", single_line("address", address, 500))
    if channel == "smtp" and "@" not in address:
        raise InvalidValue("address", "an smtp channel needs an email address")
    if channel == "https" and not address.startswith("https://"):
        raise InvalidValue("address", "an https channel needs an https:// URL")
    return channel, address


def _fingerprint_or_unreadable(pem: str) -> str:
    try:
        return certificate_fingerprint(pem.encode())
    except ValueError:
        return "(unreadable)"
