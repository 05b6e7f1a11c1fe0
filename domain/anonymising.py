"""A share that does not identify the child (the flowchart's third question).

"Does the information enable an individual to be identified? ... No – you can share but should
consider how." Dropping the identifying fields is not enough: free text can still name the
child. A non-identifying share sends the DSL's redacted version of each free-text field, never
the original, and is refused while that text still names the child or the household, or gives
the UPN or the date of birth. Pure: the application hands the plain texts in; nothing is kept.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from domain.errors import PolicyRefusal
from domain.packet_fields import PacketField
from domain.sealed import Sealed

RULE = "when: identifiable"
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@dataclass(frozen=True, slots=True)
class KnownIdentifiers:
    """What the school knows that identifies the child: names (the child's and the
    household's), the UPN and the date of birth."""

    names: tuple[str, ...] = ()
    upn: str | None = None
    date_of_birth: date | None = None

    def found_in(self, text: str) -> str | None:
        """Which kind of identifier `text` still contains (never the identifier itself)."""
        folded = text.casefold()
        for name in self.names:
            for part in _name_parts(name):
                if re.search(rf"(?<!\w){re.escape(part.casefold())}(?!\w)", folded):
                    return "a known name of the child or the household"
        if self.upn and re.sub(r"\s", "", self.upn).casefold() in re.sub(r"\s", "", folded):
            return "the child's UPN"
        if self.date_of_birth is not None and any(
            form.casefold() in folded for form in _date_forms(self.date_of_birth)
        ):
            return "the child's date of birth"
        return None


def _name_parts(name: str) -> list[str]:
    """The whole name and each part of it long enough to identify (not initials)."""
    parts = [p for p in re.split(r"[\s\-]+", name.strip()) if len(p) >= 3]
    return [name.strip(), *parts] if name.strip() else parts


def _date_forms(d: date) -> list[str]:
    return [
        d.isoformat(),
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
        f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
    ]


def check_redacted_text_given(
    identifiable: bool,
    fields: Collection[PacketField],
    has_opinion: bool,
    redacted_facts: Sealed | None,
    redacted_opinion: Sealed | None,
) -> None:
    """ "Does the information enable an individual to be identified? ... No – you can share":
    a share decided on that ground sends the DSL's redacted version of the free text, never
    the original, and no chronology (other concerns' free text)."""
    if identifiable:
        return
    if PacketField.FACTS in fields and redacted_facts is None:
        raise PolicyRefusal(
            RULE,
            "a share that does not identify the child sends your redacted version of the facts, "
            "never the original: write it",
        )
    if PacketField.OPINION in fields and has_opinion and redacted_opinion is None:
        raise PolicyRefusal(
            RULE,
            "a share that does not identify the child sends your redacted version of the "
            "opinion, or none: write it, or leave the opinion out",
        )
    if PacketField.CHRONOLOGY in fields:
        raise PolicyRefusal(
            RULE,
            "a share that does not identify the child cannot carry the chronology "
            "(other concerns' text is not redacted)",
        )


def check_redacted_text_identifies_no_one(
    texts: Mapping[str, str | None], known: KnownIdentifiers
) -> None:
    """ "Does the information enable an individual to be identified?" The texts a
    non-identifying share sends must not: refused while any still holds the child's or the
    household's known names, the UPN or the date of birth. The refusal names the field and the
    kind of identifier, never the identifier."""
    for field, text in texts.items():
        if text is None:
            continue
        found = known.found_in(text)
        if found is not None:
            raise PolicyRefusal(
                RULE,
                f"the {field} still contains {found}: redact it before sharing without "
                "identifying the child",
            )
