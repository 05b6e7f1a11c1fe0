"""The faults in the window: the routine worker SIGKILLed (main process and pool, mid-backlog)
and started again; RabbitMQ stopped (`rabbitmqctl stop_app`) and started again. Each fault's
interval (plus a grace for recovery) is a "restart window" for the 5xx count.

The broker is shared with the test suite: the restart takes the suite's RabbitMQ lock
exclusively (`harness.dispatch.rabbit_lock`'s file), waiting a bounded time for it; if other
tests hold it throughout, the restart is skipped and said so."""

from __future__ import annotations

import fcntl
import subprocess
import threading
import time
from dataclasses import dataclass, field

from harness.dispatch import LOCK_FILE, WorkerProcess

GRACE = 10.0
"""Seconds after a fault ends still counted as its restart window."""


@dataclass
class Faults:
    worker: WorkerProcess | None
    restart_rabbitmq: bool
    seconds: float
    windows: list[tuple[str, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def inside(self, t: float) -> bool:
        return any(start <= t <= end for _, start, end in self.windows)

    def _run(self) -> None:
        begin = time.monotonic()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, begin + fraction * self.seconds - time.monotonic()))

        if self.worker is not None:
            at(0.25)
            start = time.time()
            self.worker.kill()
            time.sleep(min(5.0, self.seconds * 0.05))
            self.worker.start(timeout=120)
            self.windows.append(("worker SIGKILL", start, time.time() + GRACE))
            self.notes.append(f"routine worker SIGKILLed, back in {time.time() - start:.1f}s")
        if self.restart_rabbitmq:
            at(0.5)
            self._restart_broker()

    def _restart_broker(self) -> None:
        with LOCK_FILE.open("a") as lock:
            deadline = time.monotonic() + max(60.0, self.seconds * 0.3)
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        self.notes.append("RabbitMQ restart SKIPPED: other tests held the broker")
                        return
                    time.sleep(0.5)
            try:
                start = time.time()
                ctl("stop_app")
                try:
                    time.sleep(min(10.0, self.seconds * 0.05))
                finally:
                    ctl("start_app")
                ctl("await_startup")
                self.windows.append(("RabbitMQ restart", start, time.time() + GRACE))
                self.notes.append(
                    f"RabbitMQ stopped and started, back in {time.time() - start:.1f}s"
                )
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)
