"""What the loopback agency received: every packet's id (its Message-ID), referral id and
school (from the headers), arrival time (the recorded file's name starts with its time in ns)
and whether a canary string is in the raw mail. The agency dedupes by packet id; duplicates
are counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

from safeshare.demo.agencies.recording import recorded_files


@dataclass(frozen=True)
class Arrival:
    packet_id: str
    referral_id: str
    subject: str
    at: float
    raw_has: frozenset[str]
    """Which of the canary strings asked about appear in the raw mail (should be none)."""


class Inbox:
    """Reads the record directory incrementally (files are written atomically, never change)."""

    def __init__(self, directory: Path, canaries: list[str]) -> None:
        self.directory = directory
        self.canaries = [c.encode() for c in canaries]
        self.arrivals: list[Arrival] = []
        self.other_mail = 0
        """Mail that is not a packet (a DSL alert, say)."""
        self._seen: set[Path] = set()

    def refresh(self) -> list[Arrival]:
        for path in recorded_files(self.directory, ".eml"):
            if path in self._seen:
                continue
            self._seen.add(path)
            raw = path.read_bytes()
            headers = BytesHeaderParser().parsebytes(raw)
            packet = str(headers.get("Message-ID", ""))
            if not packet.startswith("<packet-"):
                self.other_mail += 1
                continue
            at = int(path.name.split("-", 1)[0]) / 1e9
            has = frozenset(c.decode() for c in self.canaries if c in raw)
            self.arrivals.append(
                Arrival(
                    packet,
                    str(headers.get("X-Safeshare-Referral-Id", "")),
                    str(headers.get("Subject", "")),
                    at,
                    has,
                )
            )
        return self.arrivals

    def first_arrival(self) -> dict[str, Arrival]:
        """Each referral's first packet (what an agency that dedupes keeps)."""
        first: dict[str, Arrival] = {}
        for a in sorted(self.arrivals, key=lambda a: a.at):
            first.setdefault(a.referral_id, a)
        return first

    def duplicates(self) -> int:
        counts = Counter(a.packet_id for a in self.arrivals)
        return sum(n - 1 for n in counts.values())

    def packets_per_referral(self) -> Counter[str]:
        """Distinct packet ids per referral (one each: a retry re-sends the same packet)."""
        return Counter(rid for rid, _ in {(a.referral_id, a.packet_id) for a in self.arrivals})
