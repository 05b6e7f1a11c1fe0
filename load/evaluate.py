"""After recovery: the figures and the invariants. Nothing lost (requests accepted = events
recorded in each school's store; every referral decided delivered, one packet each; no packet
for a referral no school made), nothing crossing schools. Latency misses are reported only."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from load.agency import Inbox
from load.checks import leaks, own_ids, projection_lag, store_counts, store_referrals
from load.clients import Results
from load.config import LoadConfig
from load.faults import Faults
from load.report import line, median, pct
from load.seed import Seeded
from load.stack import Stack
from load.urgent import report as report_urgent
from load.urgent import urgent_deliveries

KINDS = ("raise", "consent", "lawful-basis", "decide")


def evaluate(
    cfg: LoadConfig,
    stack: Stack,
    seeded: list[Seeded],
    results: Results,
    inbox: Inbox,
    faults: Faults,
    counts_before: dict[str, Counter[str]],
    window_start: float,
) -> int:
    assert stack.base is not None
    schools = [s.school for s in seeded]
    failures: list[str] = []
    out: list[str] = []
    say: Callable[[str], None] = out.append

    # Requests accepted = events recorded, school by school and kind by kind.
    counts_after = store_counts(stack.base, schools)
    mismatches = 0
    for school in schools:
        calls = [c for c in results.calls if c.school == school]
        for kind in KINDS:
            accepted = sum(1 for c in calls if c.kind == kind and 200 <= c.status < 300)
            unanswered = sum(1 for c in calls if c.kind == kind and not 200 <= c.status < 500)
            recorded = counts_after[school][kind] - counts_before[school][kind]
            ok = accepted <= recorded <= accepted + unanswered
            mismatches += not ok
            say(
                f"  {school} {kind}: accepted {accepted}, recorded {recorded}"
                + ("" if ok else "  <-- MISMATCH")
            )
    if mismatches:
        failures.append("requests accepted != events recorded")
    total = Counter(c.status for c in results.calls)
    say(f"requests: {len(results.calls)} by status {dict(sorted(total.items()))}")

    # Delivered once each: the agency's packets against every referral decided.
    referral_school = {r: s.school for s in seeded for r in s.backlog}
    referral_school |= {r: d.school for d in results.decided for r in d.referral_ids}
    # The stores also hold the referrals of decisions whose answers timed out; each must be
    # in its own school's store (and not in another's).
    in_stores = store_referrals(stack.base, schools)
    crossed = [r for r, school in referral_school.items() if in_stores.get(r, school) != school]
    if crossed:
        failures.append(f"{len(crossed)} referrals in another school's store")
    referral_school = in_stores | referral_school
    arrivals = inbox.refresh()
    first = inbox.first_arrival()
    missing = set(referral_school) - set(first)
    per_referral = inbox.packets_per_referral()
    several = sum(1 for n in per_referral.values() if n > 1)
    unknown = {a.referral_id for a in arrivals} - set(referral_school)
    window_referrals = sum(len(d.referral_ids) for d in results.decided)
    say(
        f"referrals decided: {len(referral_school)} ({cfg.backlog} backlog + {window_referrals} "
        f"in the window); delivered: {len(set(first) & set(referral_school))}; packets received "
        f"{len(arrivals)}, duplicates (same packet id again) {inbox.duplicates()}; referrals "
        f"with more than one packet id: {several}; missing: {len(missing)}"
    )
    for school in schools:
        mine = {r for r, s in referral_school.items() if s == school}
        store = counts_after[school]["delivered"]
        say(
            f"  {school}: {len(mine)} decided, {len(mine & set(first))} at the agency, "
            f"{store} Delivered events in its store"
        )
        if store < len(mine & set(first)):
            failures.append(f"{school}: delivered packets its store does not record")
    if missing:
        failures.append(f"{len(missing)} referrals never delivered")
    if several or unknown:
        failures.append("a referral sent as two packets, or a packet of no referral")

    # 5xx (and no answer) inside and outside the restart windows.
    bad = [c for c in results.calls if c.status >= 500 or c.status == 0]
    inside = [c for c in bad if faults.inside(c.start) or faults.inside(c.end)]
    outside = len(bad) - len(inside)
    no_answer = [c for c in bad if c.status == 0]
    if no_answer:
        say(
            f"no answer: {len(no_answer)} by error "
            f"{dict(Counter(c.error for c in no_answer))}, by kind "
            f"{dict(Counter(c.kind for c in no_answer))}; sent at (s into the window) "
            + ", ".join(
                f"{c.start - window_start:.0f}" for c in sorted(no_answer, key=lambda c: c.start)
            )
        )
    for name, start, end in faults.windows:
        say(
            f"restart window: {name} {start - window_start:.0f}s..{end - window_start:.0f}s "
            "after the window opened"
        )

    # Latency of raise and decide; urgent delivery under the backlog.
    lat = {
        k: [c.seconds for c in results.calls if c.kind == k and 200 <= c.status < 300]
        for k in ("raise", "decide")
    }
    urgent = [(r, d.at) for d in results.decided if d.urgent for r in d.referral_ids]
    broker_down = [(start, end) for name, start, end in faults.windows if "RabbitMQ" in name]
    urgent_p99, urgent_clear_p99, urgent_in_restart = report_urgent(
        urgent_deliveries(stack.base, results.decided, first), broker_down, say
    )
    last_urgent = max((first[r].at for r, _ in urgent if r in first), default=0.0)
    backlog = {r for s in seeded for r in s.backlog}
    remaining = sum(1 for r in backlog if r not in first or first[r].at > last_urgent)
    arrived = sum(r in first for r, _ in urgent)
    say(
        f"urgent referrals delivered: {arrived}/{len(urgent)}; routine backlog still "
        f"queued when the last urgent one arrived: {remaining} of {len(backlog)}"
    )

    # Projection lag at the end (and how long the runner took to catch up, up to 60 s).
    lag = projection_lag(stack.base, schools)
    t = time.monotonic()
    settled = dict(lag)
    while any(settled.values()) and time.monotonic() - t < 60:
        time.sleep(2)
        settled = projection_lag(stack.base, schools)
    say(f"projection lag after recovery: {lag}; {settled} {time.monotonic() - t:.0f}s later")
    for name, service in stack.services.items():
        if not service.alive():
            failures.append(f"`school {name}` exited during the run")

    # Nothing of one school in another's.
    ids = {
        s.school: own_ids(
            s,
            [r for d in results.decided if d.school == s.school for r in d.referral_ids],
            results.raised.get(s.school, []),
        )
        for s in seeded
    }
    a_concern = {s: results.raised[s][0] for s in schools if results.raised.get(s)}
    logs = sorted(stack.logs.glob("*.log"))
    found = (
        leaks(stack.database, seeded, ids, arrivals, referral_school, logs, stack.port, a_concern)
        if len(a_concern) == len(schools)
        else ["no concern raised"]
    )
    for leak in found:
        say(f"  LEAK: {leak}")
    if found:
        failures.append("data of one school found in another's")

    print("\n".join(out))
    for f in failures:
        print(f"FAILED: {f}")
    print(line("accepted-equals-recorded", mismatches, 0, "mismatches"))
    print(line("delivered-once", len(missing) + several + len(unknown), 0, "missing"))
    print(line("agency-duplicates", inbox.duplicates(), "reported", "packets"))
    print(line("5xx-outside-restart", outside, 0))
    print(line("5xx-inside-restart", len(inside), "reported"))
    for k in ("raise", "decide"):
        print(line(f"{k}-p50", median(lat[k]), "reported", "seconds"))
        print(line(f"{k}-p99", pct(lat[k], 0.99), "reported", "seconds"))
    print(line("urgent-delivery-p99", urgent_p99, "1.00", "seconds"))
    print(line("urgent-delivery-p99-broker-up", urgent_clear_p99, "1.00", "seconds"))
    print(line("urgent-during-broker-restart", urgent_in_restart, "reported"))
    print(line("routine-queued-at-last-urgent", remaining, "reported"))
    print(line("projection-lag-end", max(lag.values(), default=0), 0, "events"))
    print(line("cross-school-leaks", len(found), 0))
    return 1 if failures else 0
