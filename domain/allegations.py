"""Allegations against staff (Keeping Children Safe in Education, Part 4).

A concern about an adult who works with children at the school goes to the headteacher, or to
the chair of governors when it is about the headteacher; it is restricted from the person it is
about and from anyone they name; and it is referred to the local authority designated officer
(LADO) within one working day. Another DSL opens a restricted case only by breaking the glass,
with a recorded reason that the audit trail flags. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from domain.codes import AgencyKind
from domain.errors import PolicyRefusal
from domain.sealed import Sealed

RULE = "KCSIE part 4: allegations against staff"


class CaseManager(StrEnum):
    HEADTEACHER = "headteacher"
    CHAIR_OF_GOVERNORS = "chair-of-governors"


@dataclass(frozen=True, slots=True)
class Allegation:
    """Who the allegation is about, who manages it, and who may not see it."""

    subject: Sealed
    subject_account: str
    about_headteacher: bool
    case_manager_role: CaseManager
    case_manager: str
    restricted_from: tuple[str, ...]
    recorded_by: str

    def __deepcopy__(self, memo: dict[int, object]) -> Allegation:
        return self  # immutable: copies of the aggregate may share it

    @property
    def may_read(self) -> frozenset[str]:
        """Those who read the case without breaking the glass."""
        return frozenset({self.case_manager, self.recorded_by}) - set(self.restricted_from)


def case_manager_for(about_headteacher: bool) -> CaseManager:
    """KCSIE Part 4: an allegation is reported to the headteacher; "where the headteacher is
    the subject of an allegation, it should be reported to the chair of governors"."""
    return CaseManager.CHAIR_OF_GOVERNORS if about_headteacher else CaseManager.HEADTEACHER


def check_case_manager_is_not_the_subject(case_manager: str, restricted: Collection[str]) -> None:
    """The person an allegation is about, and anyone they name, never manage it."""
    if case_manager in restricted:
        raise PolicyRefusal(
            RULE,
            "the allegation cannot be managed by the person it is about or anyone they name: "
            "it goes to the chair of governors when it is about the headteacher",
        )


def check_lado_among_recipients(
    is_allegation: bool, recipient_kinds: Collection[AgencyKind], reason_not: Sealed | None
) -> None:
    """KCSIE Part 4: allegations that a person who works with children may have harmed a
    child are referred to the LADO within one working day; a share on an allegation names the
    LADO among its recipients, or the reason it does not."""
    if is_allegation and AgencyKind.LADO not in recipient_kinds and reason_not is None:
        raise PolicyRefusal(
            RULE,
            "an allegation against a member of staff is referred to the LADO: add the LADO "
            "to the recipients, or record why not",
        )


def check_may_open(
    allegation: Allegation | None, viewer: str, break_glass_reason: Sealed | None
) -> bool:
    """Whether `viewer` may open the case; True when that is by breaking the glass (to be
    recorded and flagged). The person it is about and anyone they name never may."""
    if allegation is None or viewer in allegation.may_read:
        return False
    if viewer in allegation.restricted_from:
        raise PolicyRefusal(RULE, "this case is restricted from you")
    if break_glass_reason is None:
        raise PolicyRefusal(
            RULE,
            "this case is restricted to its case manager: another DSL opens it only by "
            "breaking the glass, with a recorded reason",
        )
    return True
