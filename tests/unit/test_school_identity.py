"""The school's signing identity names the mail address referrals are sent from."""

from __future__ import annotations

import pytest

from sharing.pki import generate_school_identity
from tests.support import FakeClock


@pytest.mark.parametrize(
    "address",
    ["", "safeguarding", "DSL <dsl@school.example>", "dsl@school.example, x@y.example", "@x"],
)
def test_a_signing_identity_needs_a_plain_from_address_for_its_rfc822_name(
    address: str, clock: FakeClock
) -> None:
    """Mail clients compare the certificate's rfc822Name with the sender's bare address."""
    with pytest.raises(ValueError, match="plain mail address"):
        generate_school_identity("Hillside Primary School", clock(), sender_address=address)
