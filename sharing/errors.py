"""Typed refusals raised by the sharing layer.

Every message is a clear sentence a DSL or an operator can act on. None of them carries
personal data: they name fields, dates of certificates and policy lines, never a child.
"""

from __future__ import annotations


class SharingError(Exception):
    """Base of every refusal from `sharing/`, so callers can catch the family at once."""


class CertificateRefused(SharingError):
    """An agency certificate that a packet cannot safely be encrypted to.

    Policy, "Secure": "Wherever possible, information should be shared in an appropriate,
    secure way." A packet sealed to an expired or unusable key is not shared securely.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FieldOutsideProfile(SharingError):
    """A packet asked to carry a field the recipient's profile does not need.

    Policy, "Relevant": "Only information that is relevant to the purposes should be shared
    with those who need it."
    """

    def __init__(self, fields: frozenset[str]) -> None:
        self.fields = fields
        names = ", ".join(sorted(fields))
        super().__init__(
            f"The recipient's profile does not include {names}; give a reason to widen it. "
            'Policy: "Only information that is relevant to the purposes should be shared '
            'with those who need it."'
        )


class InadequatePacket(SharingError):
    """A packet that would not let the recipient understand the concern.

    Policy, "Adequate": "Information should be adequate for its purpose."
    """

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f'{problem} Policy: "Information should be adequate for its purpose."')


class InvalidPacketContent(SharingError):
    """Packet content that breaks a rule of the packet format itself (e.g. a naive time)."""
