"""PLACEHOLDER until the sharing branch lands."""

from __future__ import annotations

from domain.codes import AgencyKind
from domain.packet_fields import PacketField


def default_profile(kind: AgencyKind) -> frozenset[PacketField]:
    everything = frozenset(PacketField)
    if kind is AgencyKind.POLICE:
        return everything - {PacketField.CHILD_UPN, PacketField.CHILD_NHS_NUMBER, PacketField.CHRONOLOGY}
    if kind is AgencyKind.SCHOOL:
        return everything
    return everything - {PacketField.CHRONOLOGY}
