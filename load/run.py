"""The run: set up, seed, the timed window with its faults, recovery, then `evaluate`."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from amqp.exceptions import NotFound  # type: ignore[import-untyped]
from kombu.connection import Connection

from harness.dispatch import RABBIT_URL
from load.agency import Inbox
from load.clients import Results, run_clients
from load.config import LoadConfig
from load.evaluate import evaluate
from load.faults import Faults
from load.seed import Seeded, seed_school
from load.stack import Stack

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]


def queued(stack: Stack, urgent: bool) -> int:
    """Messages ready in the queue (a passive declare: RabbitMQ's own count)."""
    with Connection(RABBIT_URL, connect_timeout=10) as conn:
        channel = conn.channel()
        try:
            ok = channel.queue_declare(queue=stack.queue(urgent), passive=True)
            return int(ok.message_count)
        except NotFound:  # not declared yet (the relay declares it once it is up)
            return 0
        finally:
            channel.close()


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def run(cfg: LoadConfig, root: Path) -> int:
    stack = Stack(root, cfg.web_workers)
    try:
        return _run(cfg, stack)
    finally:
        stack.close()


def _run(cfg: LoadConfig, stack: Stack) -> int:
    say(f"load: {cfg}")
    base = stack.start_agency_and_database()
    schools = [f"{n}_{stack.tag}" for n in NAMES[: cfg.schools]]
    adding = [threading.Thread(target=stack.add_school, args=(s,)) for s in schools]
    for thread in adding:
        thread.start()
    for thread in adding:
        thread.join()
    if sorted(stack.schools) != sorted(schools):
        raise RuntimeError("`safeshare school add` failed")
    say(f"schools added with `safeshare school add`: {', '.join(schools)} (db {stack.database})")
    stack.start_web()
    stack.start_relay_and_projections()
    t = time.monotonic()
    share = [
        cfg.backlog // cfg.schools + (k < cfg.backlog % cfg.schools) for k in range(cfg.schools)
    ]
    seeded: list[Seeded] = [
        seed_school(base, s, stack.host(s), n) for s, n in zip(schools, share, strict=True)
    ]
    say(
        f"seeded {cfg.backlog} routine referrals in {time.monotonic() - t:.0f}s "
        "(in-process service layer: one decision shares with 50 agencies)"
    )
    stack.wait_web()
    t = time.monotonic()
    while queued(stack, False) < cfg.backlog and time.monotonic() - t < 600:
        time.sleep(0.5)
    say(
        f"relay published the backlog: {queued(stack, False)} routine queued "
        f"{time.monotonic() - t:.0f}s after seeding"
    )
    stack.start_workers()
    inbox = Inbox(
        stack.root / "agency", [c for s in seeded for c in (s.canary_name, s.canary_fact)]
    )
    before = time.time()
    from load.checks import store_counts

    counts_before = store_counts(base, schools)
    faults = Faults(
        stack.workers["routine"] if cfg.kill_worker else None, cfg.restart_rabbitmq, cfg.seconds
    )
    say(f"window: {cfg.seconds:.0f}s, {cfg.clients} clients over {cfg.schools} schools")
    faults.start()
    window_start = time.time()
    results: Results = asyncio.run(
        run_clients(stack.port, seeded, cfg.clients, cfg.seconds, cfg.max_flows, cfg.urgent_every)
    )
    window_end = time.time()
    faults.join()
    for note in faults.notes:
        say(note)
    say(
        f"window closed after {window_end - window_start:.0f}s: {len(results.calls)} requests; "
        f"{queued(stack, False)} routine still queued"
    )
    expected = {r for s in seeded for r in s.backlog}
    expected |= {r for d in results.decided for r in d.referral_ids}
    t = time.monotonic()
    while time.monotonic() - t < cfg.drain_seconds:
        inbox.refresh()
        if expected <= set(inbox.first_arrival()):
            break
        time.sleep(2)
    say(
        f"recovery: {len(set(inbox.first_arrival()) & expected)}/{len(expected)} referrals "
        f"delivered {time.monotonic() - t:.0f}s after the window"
    )
    return evaluate(cfg, stack, seeded, results, inbox, faults, counts_before, before)
