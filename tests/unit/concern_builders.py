"""Building concerns in tests without the application: sealed values are stand-ins."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.codes import AgencyKind
from domain.concern import Concern, RecipientChoice
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from domain.sealed import Sealed
from tests.support import SESSION_START

EVERYTHING = frozenset(PacketField)


def sealed(field: str = "text") -> Sealed:
    return Sealed(field, "opaque-" + field)


def a_concern(immediate_risk: bool = False, crime_suspected: bool = False) -> Concern:
    return Concern(
        id=uuid4(),
        child_id=uuid4(),
        category="neglect",
        facts=sealed("facts"),
        opinion=sealed("opinion"),
        observed_at=SESSION_START - timedelta(days=5),
        immediate_risk=immediate_risk,
        crime_suspected=crime_suspected,
        raised_by="Mr Jones",
    )


def to(
    agency_id: str = "mash",
    kind: AgencyKind = AgencyKind.MASH,
    fields: frozenset[PacketField] = EVERYTHING,
    profile: frozenset[PacketField] = EVERYTHING,
    widening: Sealed | None = None,
) -> RecipientChoice:
    return RecipientChoice(agency_id, kind, fields, profile, widening)


def anonymised(agency_id: str = "mash") -> RecipientChoice:
    return to(agency_id, fields=EVERYTHING - IDENTIFYING_FIELDS - {PacketField.CHRONOLOGY})
