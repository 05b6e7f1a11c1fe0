"""A sealed value that fails authentication is a tampering signal, never shown as erased."""

from __future__ import annotations

import base64

from structlog.testing import capture_logs

from domain.sealed import Sealed
from safeshare.adapters.sealing import ERASED, TAMPERED
from safeshare.services.school import Safeshare
from tests.support import born


def test_a_sealed_value_altered_at_rest_reads_as_tampered_not_erased(
    sqlite_school: Safeshare,
) -> None:
    s = sqlite_school
    child_id = s.children.register("Tamsin Example", born(s.ctx.clock, 9), by="Office")
    sealed = s.ctx.sealer.seal(child_id, "concern.facts", "Said she was hit at home.")
    raw = bytearray(base64.urlsafe_b64decode(sealed.token))
    raw[20] ^= 0x01
    altered = Sealed(sealed.field, base64.urlsafe_b64encode(bytes(raw)).decode("ascii"))
    assert s.ctx.sealer.unseal(child_id, sealed) == "Said she was hit at home."
    with capture_logs() as logged:
        assert s.ctx.sealer.unseal(child_id, altered) == TAMPERED != ERASED
    # the operator is told, by field, and the log line does not tie itself to the child
    assert [e["field"] for e in logged if "tampering" in e["event"]] == ["concern.facts"]
    assert str(child_id) not in repr(logged)


def test_a_value_moved_to_another_field_reads_as_tampered(sqlite_school: Safeshare) -> None:
    s = sqlite_school
    child_id = s.children.register("Tamsin Example", born(s.ctx.clock, 9), by="Office")
    sealed = s.ctx.sealer.seal(child_id, "concern.opinion", "Opinion only.")
    moved = Sealed("concern.facts", sealed.token)
    assert s.ctx.sealer.unseal(child_id, moved) == TAMPERED
