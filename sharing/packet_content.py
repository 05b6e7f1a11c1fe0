"""The plain, decrypted content a referral packet is built from.

The application layer unseals the child's data and fills these frozen values; `sharing.packet`
then keeps only the fields the recipient may receive. Facts and opinion are separate types so
that opinion can never be presented as fact (policy, "Accurate": "should clearly distinguish
between fact and opinion").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sharing.errors import InvalidPacketContent


def _require_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise InvalidPacketContent(f"{name} must be a timezone-aware datetime.")


@dataclass(frozen=True, slots=True)
class Fact:
    """Something seen or heard. `historical` marks a past matter (policy, "Accurate": "If the
    information is historical then this should be explained")."""

    text: str
    historical: bool = False


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    """Consent as recorded: `status` is given / refused / withdrawn / sought / not-sought;
    `from_whom` is child / parent / carer; `reason` says why it was not sought (a reference code)
    or any scope the DSL recorded."""

    status: str
    from_whom: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class LawfulBasis:
    """The ground for sharing without consent: Art. 6 basis, Art. 9 condition, justification."""

    article6: str
    article9: str | None
    justification: str


@dataclass(frozen=True, slots=True)
class Risk:
    """The risk level the DSL assessed, with the reasoning behind it."""

    immediate_risk: bool
    crime_suspected: bool
    reasoning: str


@dataclass(frozen=True, slots=True)
class ChildIdentity:
    """The child's identifying details; each is optional because the school may not hold it."""

    name: str | None = None
    dob: date | None = None
    address: str | None = None
    school: str | None = None
    upn: str | None = None
    nhs_number: str | None = None


@dataclass(frozen=True, slots=True)
class HouseholdMember:
    """A member of the household or another significant adult."""

    name: str
    relationship: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Referrer:
    """The member of staff making the referral, and how the agency can reach them."""

    name: str
    role: str
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class Professional:
    """Another professional already involved with the child."""

    name: str
    role: str
    organisation: str
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class AllegationDetails:
    """Who an allegation against staff is about and who manages it (KCSIE Part 4)."""

    about: str
    about_headteacher: bool
    case_manager_role: str
    case_manager: str


@dataclass(frozen=True, slots=True)
class ChronologyEntry:
    """One significant event in the child's chronology."""

    occurred_on: date
    summary: str


@dataclass(frozen=True, slots=True)
class PacketContent:
    """Everything one referral could say; `build_packet` decides what it does say.

    `packet_id`, `referral_id`, `recipient_id` and `issued_at` go into the signed content, so an
    agency can drop duplicates and check that the packet was meant for it.
    """

    packet_id: str
    referral_id: str
    recipient_id: str
    recipient_name: str
    school: str
    issued_at: datetime
    urgent: bool
    purpose: str
    consent: ConsentStatus
    lawful_basis: LawfulBasis | None
    category: str
    facts: tuple[Fact, ...]
    risk: Risk
    opinion: str | None = None
    observed_at: datetime | None = None
    child: ChildIdentity = field(default_factory=ChildIdentity)
    household: tuple[HouseholdMember, ...] = ()
    referrer: Referrer | None = None
    professionals: tuple[Professional, ...] = ()
    actions_taken: tuple[str, ...] = ()
    chronology: tuple[ChronologyEntry, ...] = ()
    allegation: AllegationDetails | None = None

    def __post_init__(self) -> None:
        _require_aware("issued_at", self.issued_at)
        _require_aware("observed_at", self.observed_at)
        if not self.purpose.strip():
            raise InvalidPacketContent("A packet needs the purpose of the share.")
