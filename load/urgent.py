"""Where an urgent referral's time went, from each school's own store: the decision answered
(the client's clock) → `Referral.Prepared` (the decision recorded) → `Referral.Dispatched`
(relayed, published to the urgent queue, taken by the urgent worker, sealed) → the agency's
mail server received it (the file's time). Referrals whose interval from the decision to
delivery overlapped the RabbitMQ restart (nothing can be published or taken then) are
counted apart, not dropped: both p99s are printed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from domain.referral import Referral
from load.agency import Arrival
from load.clients import Decided
from load.report import pct
from safeshare.settings import Settings
from safeshare.tenants import SchoolApps, registry_for


@dataclass(frozen=True)
class Urgent:
    referral_id: str
    answered: float
    prepared: float | None
    dispatched: float | None
    arrived: float

    @property
    def total(self) -> float:
        return self.arrived - self.answered


def urgent_deliveries(
    base: Settings, decided: list[Decided], first: dict[str, Arrival]
) -> list[Urgent]:
    """Every urgent referral of the window that arrived, with its stages' times."""
    apps = SchoolApps(base, registry_for(base), capacity=1)
    found: list[Urgent] = []
    try:
        for school in sorted({d.school for d in decided if d.urgent}):
            with apps.lease(school) as s:
                for d in decided:
                    if d.school != school or not d.urgent:
                        continue
                    for rid in d.referral_ids:
                        if rid not in first:
                            continue
                        times = {
                            type(e).__name__: e.timestamp.timestamp()
                            for e in reversed(list(s.app.events.get(UUID(rid))))
                            if isinstance(e, Referral.Prepared | Referral.Dispatched)
                        }
                        found.append(
                            Urgent(
                                rid,
                                d.at,
                                times.get("Prepared"),
                                times.get("Dispatched"),
                                first[rid].at,
                            )
                        )
    finally:
        apps.close()
    return found


def report(
    urgent: list[Urgent], broker_down: list[tuple[float, float]], say: Callable[[str], None]
) -> tuple[float, float, int]:
    """Prints the stages; returns (p99 of all, p99 of those clear of the broker restart,
    how many were not clear)."""

    def overlaps(u: Urgent) -> bool:
        return any(u.answered <= end and u.arrived >= start for start, end in broker_down)

    clear = [u for u in urgent if not overlaps(u)]

    def stage(name: str, values: list[float]) -> str:
        return f"{name} p50/p99 {pct(values, 0.5):.2f}/{pct(values, 0.99):.2f}s"

    def between(a: str, b: str, among: list[Urgent]) -> list[float]:
        return [
            getattr(u, b) - getattr(u, a)
            for u in among
            if getattr(u, a) is not None and getattr(u, b) is not None
        ]

    for label, among in (("all", urgent), ("clear of the broker restart", clear)):
        say(
            f"urgent delivery ({label}: {len(among)}): "
            + "; ".join(
                [
                    stage("decision answered → agency", [u.total for u in among]),
                    stage("recorded → dispatched", between("prepared", "dispatched", among)),
                    stage("dispatched → agency", between("dispatched", "arrived", among)),
                ]
            )
        )
    for u in sorted(urgent, key=lambda u: u.total, reverse=True)[:5]:
        prep = "?" if u.prepared is None else f"{u.prepared - u.answered:+.2f}"
        disp = "?" if u.dispatched is None else f"{u.dispatched - u.answered:+.2f}"
        say(
            f"  slow urgent: {u.total:.2f}s (recorded {prep}s, dispatched {disp}s after the "
            f"answer){' during the broker restart' if overlaps(u) else ''}"
        )
    totals = [u.total for u in urgent]
    return pct(totals, 0.99), pct([u.total for u in clear], 0.99), len(urgent) - len(clear)
