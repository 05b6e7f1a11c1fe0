"""The school's sending address, as its S/MIME signing certificate must carry it.

Mail clients mark an S/MIME signature valid only when the signing certificate names the
sender (RFC 8550 3, an rfc822Name in subjectAltName): the school's From address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509

if TYPE_CHECKING:
    from sharing.pki import SchoolIdentity


def plain_mail_address(address: str) -> str:
    """A bare addr-spec (`dsl@school.example`), as an rfc822Name must be."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c in address for c in ' <>\r\n"(),;:'):
        raise ValueError(f"{address!r} is not a plain mail address like dsl@school.example")
    return address


def signing_certificate_names(identity: SchoolIdentity, address: str) -> bool:
    """Whether the school's signing certificate carries `address` as an rfc822Name, so a mail
    client marks a referral mail from that address as validly signed."""
    try:
        san = identity.signing_certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except x509.ExtensionNotFound:
        return False
    wanted = address.strip().lower()
    return any(name.lower() == wanted for name in san.get_values_for_type(x509.RFC822Name))
