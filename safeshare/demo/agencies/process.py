"""Drive a test agency running in its own process (`python -m safeshare.demo.agencies`).

A separate process lets a test kill the *sender* with SIGKILL while the agency holds DATA,
then start a new sender against the same agency and count what arrived.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from safeshare.demo.agencies.__main__ import DATA_HELD_MARKER
from safeshare.demo.agencies.https import ReceivedPost, read_recorded_posts
from safeshare.demo.agencies.smtp import ReceivedMail, read_recorded_mail

REPO_ROOT = Path(__file__).resolve().parents[2]


class AgencyProcess:
    """One agency process: start it, signal it, read what it recorded, stop it."""

    def __init__(
        self,
        kind: str,
        server_pem: Path,
        record_dir: Path,
        *,
        port: int = 0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.record_dir = record_dir
        self.host = ""
        self.port = port
        self._args = [
            sys.executable,
            "-m",
            "safeshare.demo.agencies",
            kind,
            "--port",
            str(port),
            "--cert",
            str(server_pem),
            "--record-dir",
            str(record_dir),
            *extra_args,
        ]
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The HTTPS agency's referral endpoint."""
        return f"https://{self.host}:{self.port}/referrals"

    def start(self, timeout: float = 15.0) -> AgencyProcess:
        """Start the process and wait until it says which port it listens on."""
        proc = subprocess.Popen(self._args, cwd=REPO_ROOT, stdout=subprocess.PIPE)
        self._proc = proc
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else b""
        if not line:
            self.kill()
            raise RuntimeError(f"{self.kind} agency process did not start")
        announced = json.loads(line)
        self.host, self.port = announced["host"], int(announced["port"])
        return self

    @property
    def pid(self) -> int:
        """The process id (for tests that signal it themselves)."""
        assert self._proc is not None, "not started"
        return self._proc.pid

    def release_data(self) -> None:
        """SMTP: let held DATA complete."""
        os.kill(self.pid, signal.SIGUSR1)

    def hold_data(self) -> None:
        """SMTP: make DATA wait from now on."""
        os.kill(self.pid, signal.SIGUSR2)

    def wait_until_data_held(self, timeout: float = 10.0) -> None:
        """SMTP: block until a DATA is waiting at the closed gate."""
        deadline = time.monotonic() + timeout
        while not (self.record_dir / DATA_HELD_MARKER).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("no DATA arrived at the held agency")
            time.sleep(0.02)

    def mail(self) -> list[ReceivedMail]:
        """Messages the SMTP agency has recorded."""
        return read_recorded_mail(self.record_dir)

    def posts(self) -> list[ReceivedPost]:
        """POSTs the HTTPS agency has accepted."""
        return read_recorded_posts(self.record_dir)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the process to stop; kill it if it will not."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> AgencyProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.kill()
