"""Free text on a child's record is sealed with the child's key, so an erasure leaves none of it.

Hardening finding 5: "Erasure reasons, `--by` and `--from` texts on a child's record are not
sealed today and survive the erasure ("Retention ended for <name>")". The event store is
encrypted with the school's key, which an erasure does not destroy; so this reads every event
back through the school's own application (the school's key open, as an insider with the key
would) and finds none of the text after the child's key is gone.
"""

from __future__ import annotations

import json
from typing import Any

from domain.child import Child
from safeshare.services.school import Safeshare
from tests.support import ago, born

CHILD = "Ida Quorndon-Moss"
ADVISER = "Dr Ophelia Wrenfield"
CLOSED = f"Closed: {CHILD} moved to her aunt's"
KEPT = f"Kept: {CHILD}'s sibling still on roll"
REMOVED = f"{CHILD}'s uncle Lysander moved out"
RETENTION = f"Retention ended for {CHILD}"


def _every_event_as_text(s: Safeshare) -> str:
    """Each event's fields, decrypted with the school's key (not the child's)."""
    out = []
    for n in s.app.recorder.select_notifications(start=None, limit=10**9):
        event: Any = s.app.mapper.to_domain_event(n)
        out.append(json.dumps(vars(event), default=repr))
    return "\n".join(out)


def test_reasons_and_who_advised_are_unreadable_once_the_child_is_erased(
    school: Safeshare,
) -> None:
    s = school
    child = s.children.register(CHILD, born(s.ctx.clock, 10), "DSL")
    person = s.children.record_person(str(child), "sibling", "Lysander", "DSL")
    s.children.remove_person(str(child), person, REMOVED, "DSL")
    concerns = [
        s.concerns.raise_concern(str(child), "neglect", "Hungry.", ago(s.ctx.clock, hours=1), "T")
        for _ in range(2)
    ]
    s.concerns.seek_advice(str(concerns[0]), ADVISER, "Refer?", "DSL")
    s.concerns.close(str(concerns[0]), CLOSED, "DSL")
    s.concerns.review_retention(str(concerns[1]), "keep", KEPT, "DSL", born(s.ctx.clock, -1))
    advice = s.views.show_concern(str(concerns[0]), "DSL")["concern"]["advice"]
    assert [a["from"] for a in advice] == [ADVISER]
    before = _every_event_as_text(s)
    for text in (CHILD, ADVISER, CLOSED, KEPT, REMOVED):
        assert text not in before, text  # sealed with the child's key, not plain

    s.retention.review(str(child), "erase", RETENTION, "DSL")
    erased = [e for e in s.app.events.get(child) if isinstance(e, Child.Erased)]
    assert [e.reason for e in erased] == ["retention-ended"]  # a code, never the text
    after = _every_event_as_text(s)
    assert RETENTION not in after and "Quorndon" not in after
    advice = s.views.show_concern(str(concerns[0]), "DSL")["concern"]["advice"]
    assert [a["from"] for a in advice] == ["[erased]"]
