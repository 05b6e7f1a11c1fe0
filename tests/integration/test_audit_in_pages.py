"""`audit verify` confirms an intact record a page at a time, and still locates a change.

Its memory must not grow with the history (issue 16): the intact case is read side by side
with the log in pages; only a record that does not hold is diagnosed with every leaf in hand.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.history import generate
from projections.checkpoint import Checkpoint, sign_checkpoint
from projections.integrity_diagnosis import CHANGED
from safeshare.services.audit import audit_service
from safeshare.services.audit_verify import intact_in_pages
from safeshare.services.school import Safeshare
from tests.integration.test_audit import raw_store


def _in_pages(school: Safeshare, external: list[Checkpoint]) -> int | None:
    audit = audit_service(school)
    return intact_in_pages(
        school.app, audit.db, audit.checkpoints(), external, audit.public_key, audit.origin
    )


def test_an_intact_record_is_confirmed_in_pages_with_what_the_log_has_not_covered(
    school: Safeshare,
) -> None:
    generate(school.app, 2_500, seed=3, per_save=100)
    audit = audit_service(school)
    kept = audit.checkpoint()
    generate(school.app, 300, seed=4, per_save=100)
    with raw_store(school) as raw:
        added = len(raw.positions()) - kept.size
    assert _in_pages(school, [kept]) == added > 0
    assert audit.verify([kept]) == []
    assert audit.unlogged() == added


def test_a_changed_record_or_a_foreign_checkpoint_goes_to_the_full_diagnosis(
    school: Safeshare,
) -> None:
    generate(school.app, 2_500, seed=3, per_save=100)
    audit = audit_service(school)
    kept = audit.checkpoint()
    foreign = sign_checkpoint(
        audit.origin, kept.size, kept.root, Ed25519PrivateKey.generate(), school.ctx.clock()
    )
    assert _in_pages(school, [foreign]) is None
    with raw_store(school) as raw:
        changed = raw.positions()[1500]
        raw.change_a_byte(changed)
    assert _in_pages(school, [kept]) is None
    assert (CHANGED, changed) in [(p.kind, p.position) for p in audit.verify([kept])]
