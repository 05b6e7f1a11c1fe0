"""Being open: with the family from the outset (golden rule 2) and, with an adviser, not
disclosing who the child is where possible (golden rule 3). Pure checks quoting the policy."""

from __future__ import annotations

from domain.errors import PolicyRefusal
from domain.sealed import Sealed


def check_identified_advice_has_reason(child_identified: bool, reason: Sealed | None) -> None:
    """Golden rule 3: "Seek advice from other practitioners, or your information governance
    lead, if you are in any doubt about sharing the information concerned, without disclosing
    the identity of the individual where possible." Naming the child to an adviser is the
    exception, so it needs its reason."""
    if child_identified and reason is None:
        raise PolicyRefusal(
            "golden rule 3",
            "advice is sought without disclosing the child's identity where possible: "
            "record why the adviser needed to know who the child is, or seek it anonymised",
        )


def check_family_told_what_why_and_with_whom(account: Sealed | None) -> Sealed:
    """Golden rule 2: "Be open and honest with the individual (and/or their family where
    appropriate) from the outset about why, what, how and with whom information will, or could
    be shared". What they were told is recorded."""
    if account is None:
        raise PolicyRefusal(
            "golden rule 2",
            "record what the family was told: why, what, how and with whom information will, "
            "or could be, shared",
        )
    return account


def check_family_not_told_has_reason(reason: Sealed | None) -> Sealed:
    """Golden rule 2: "... and seek their agreement, unless it is unsafe or inappropriate to do
    so." Not telling the family at the outset is a decision with its reason."""
    if reason is None:
        raise PolicyRefusal(
            "golden rule 2",
            "not telling the family at the outset needs the reason it was unsafe or inappropriate",
        )
    return reason
