"""Which packet fields each kind of agency receives by default, and how a share narrows them.

Policy, "Necessary and proportionate": "Not sharing more data than is necessary to be of use is a
key element of the GDPR and Data Protection Act 2018". Each profile below is the default set for
one agency kind (DESIGN.md, "Reference lists"); a DSL can narrow it for a share, and can widen it
only by writing down why.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from types import MappingProxyType

from domain.codes import AgencyKind
from domain.packet_fields import IDENTIFYING_FIELDS, PacketField
from sharing.errors import FieldOutsideProfile, InadequatePacket

F = PacketField


_CONCERN: frozenset[PacketField] = frozenset(
    {F.CONSENT, F.LAWFUL_BASIS, F.CATEGORY, F.FACTS, F.OPINION, F.OBSERVED_AT, F.RISK}
)
"""What every named agency needs to understand the concern and on what basis it was shared."""

MASH_PROFILE: frozenset[PacketField] = _CONCERN | {
    F.CHILD_NAME,
    F.CHILD_DOB,
    F.CHILD_ADDRESS,
    F.CHILD_SCHOOL,
    F.CHILD_UPN,
    F.CHILD_NHS_NUMBER,
    F.HOUSEHOLD,
    F.REFERRER,
    F.PROFESSIONALS,
    F.ACTIONS_TAKEN,
}
"""The multi-agency safeguarding hub decides the threshold and routes the case, so it needs the
child's identifiers (to match its own and partners' records), the household, who else is
involved and what the school has done. Not the full chronology: the hub asks for it if needed."""

SOCIAL_CARE_PROFILE: frozenset[PacketField] = MASH_PROFILE
"""A referral to children's social care is the same local-authority referral the MASH receives,
so it carries the same fields."""

POLICE_PROFILE: frozenset[PacketField] = _CONCERN | {
    F.CHILD_NAME,
    F.CHILD_DOB,
    F.CHILD_ADDRESS,
    F.CHILD_SCHOOL,
    F.HOUSEHOLD,
    F.REFERRER,
    F.ACTIONS_TAKEN,
}
"""The police act on immediate risk or a suspected crime: they need to find the child and know
who lives with them. The UPN and NHS number are education and health identifiers the police do not
use, and other professionals' details are for the MASH to coordinate, so none are sent."""

NSPCC_PROFILE: frozenset[PacketField] = _CONCERN | {
    F.CHILD_NAME,
    F.CHILD_DOB,
    F.CHILD_SCHOOL,
    F.REFERRER,
    F.ACTIONS_TAKEN,
}
"""The NSPCC advises and passes referrals on to the local authority: the child's name, date of
birth and school let it route the referral; what the school has already done avoids a duplicate.
No address, household, official identifiers or other professionals."""

SCHOOL_PROFILE: frozenset[PacketField] = frozenset(PacketField) - {F.ALLEGATION}
"""A child-protection file transfer to the child's new school (KCSIE) moves the whole file, so the
receiving DSL gets every field, chronology included; not an allegation against one of this
school's staff, which is the LADO's business."""

LADO_PROFILE: frozenset[PacketField] = _CONCERN | {
    F.ALLEGATION,
    F.CHILD_NAME,
    F.CHILD_DOB,
    F.CHILD_SCHOOL,
    F.REFERRER,
    F.ACTIONS_TAKEN,
}
"""The local authority designated officer (KCSIE Part 4) needs who the allegation is about and
who manages it, the child involved and what the school has done; not the household, the child's
identifiers or other professionals."""

OTHER_PROFILE: frozenset[PacketField] = _CONCERN | {F.REFERRER}
"""An agency outside the named kinds gets the concern without identifying the child; anything more
must be widened with a recorded reason for that share."""

DEFAULT_PROFILES: Mapping[AgencyKind, frozenset[PacketField]] = MappingProxyType(
    {
        AgencyKind.MASH: MASH_PROFILE,
        AgencyKind.SOCIAL_CARE: SOCIAL_CARE_PROFILE,
        AgencyKind.NSPCC: NSPCC_PROFILE,
        AgencyKind.POLICE: POLICE_PROFILE,
        AgencyKind.SCHOOL: SCHOOL_PROFILE,
        AgencyKind.LADO: LADO_PROFILE,
        AgencyKind.OTHER: OTHER_PROFILE,
    }
)


def default_profile(kind: AgencyKind | str) -> frozenset[PacketField]:
    """The default field set for an agency kind code (`ValueError` for an unknown code)."""
    return DEFAULT_PROFILES[AgencyKind(kind)]


def resolve_fields(
    kind_profile: frozenset[PacketField],
    requested: Set[PacketField] | None,
    widening_reason: str | None,
    identifiable: bool,
) -> frozenset[PacketField]:
    """The fields one packet carries: the profile, narrowed or (with a reason) widened.

    - `requested is None` takes the recipient's profile as it is.
    - A field outside the profile is refused with `FieldOutsideProfile` unless the DSL gave a
      `widening_reason` (policy, "Relevant": "Only information that is relevant to the purposes
      should be shared with those who need it."). Recording that reason is the caller's job.
    - `identifiable=False` (the flowchart shared because the information does not identify the
      child) drops every identifying field, whatever was asked.
    - A packet without the facts is refused with `InadequatePacket` (policy, "Adequate":
      "Information should be adequate for its purpose.").
    """
    fields = kind_profile if requested is None else frozenset(requested)
    outside = fields - kind_profile
    if outside and not (widening_reason and widening_reason.strip()):
        raise FieldOutsideProfile(frozenset(str(f) for f in outside))
    if not identifiable:
        fields = fields - IDENTIFYING_FIELDS
    if PacketField.FACTS not in fields:
        raise InadequatePacket("A packet must carry the facts of the concern.")
    return fields
