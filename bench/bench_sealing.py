"""Sealing throughput: safeshare's whole path against bare cryptography on the same keys.

safeshare path: minimise (resolve the fields) + render (JSON and text into MIME) + sign +
encrypt. Baseline: cryptography's PKCS7 sign-then-encrypt of a payload of the same size, with
the same options. The ratio is safeshare's rate over the baseline's; the target is 0.80, i.e.
the packet work costs at most a quarter on top of the cryptography it cannot avoid.

Rounds alternate between the two paths so a busy shared machine slows both alike; each side's
rate is the median of its rounds.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from sharing.cms import seal_packet
from sharing.examples import example_packet_content
from sharing.packet import build_packet
from sharing.packet_content import PacketContent
from sharing.pki import (
    AgencyKeypair,
    SchoolIdentity,
    generate_agency_keypair,
    generate_school_identity,
)
from sharing.profiles import default_profile, resolve_fields

PACKETS_PER_ROUND = 150
ROUNDS = 5
TARGET = 0.80


def _contents(count: int) -> list[PacketContent]:
    base = example_packet_content()
    return [dataclasses.replace(base, packet_id=f"bench-{i:06d}") for i in range(count)]


def _safeshare_round(
    contents: list[PacketContent], school: SchoolIdentity, agency: AgencyKeypair
) -> None:
    profile = default_profile("mash")
    for content in contents:
        fields = resolve_fields(profile, None, None, identifiable=True)
        seal_packet(build_packet(content, fields), school, agency.certificate)


def _raw_round(payload: bytes, count: int, school: SchoolIdentity, agency: AgencyKeypair) -> None:
    options = [pkcs7.PKCS7Options.Binary]
    for _ in range(count):
        signed = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(payload)
            .add_signer(school.signing_certificate, school.signing_key, hashes.SHA256())
            .sign(serialization.Encoding.DER, options)
        )
        (
            pkcs7.PKCS7EnvelopeBuilder()
            .set_data(signed)
            .add_recipient(agency.certificate.certificate)
            .set_content_encryption_algorithm(algorithms.AES256)
            .encrypt(serialization.Encoding.DER, options)
        )


def _rate(work: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def main() -> None:
    now = datetime.now(UTC)
    school = generate_school_identity(
        "Bench Primary School", now, sender_address="safeguarding@bench.school.example"
    )
    agency = generate_agency_keypair("Bench MASH", now)
    contents = _contents(PACKETS_PER_ROUND)
    payload = b"x" * len(build_packet(contents[0], default_profile("mash")))

    _safeshare_round(contents[:10], school, agency)
    _raw_round(payload, 10, school, agency)
    safeshare_rates: list[float] = []
    raw_rates: list[float] = []
    for _ in range(ROUNDS):
        safeshare_rates.append(
            _rate(lambda: _safeshare_round(contents, school, agency), PACKETS_PER_ROUND)
        )
        raw_rates.append(
            _rate(lambda: _raw_round(payload, PACKETS_PER_ROUND, school, agency), PACKETS_PER_ROUND)
        )
    safeshare = statistics.median(safeshare_rates)
    raw = statistics.median(raw_rates)
    print(f"payload bytes: {len(payload)}")
    print(f"safeshare seal_packet (minimise+render+sign+encrypt): {safeshare:.1f} packets/s")
    print(f"raw cryptography sign+encrypt: {raw:.1f} packets/s")
    print(f"BENCH packet-sealing ratio={safeshare / raw:.2f} target={TARGET:.2f}")


if __name__ == "__main__":
    main()
