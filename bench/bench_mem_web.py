"""The web's memory with many schools: one `safeshare school serve` process (1 worker, as
production runs it, PostgreSQL) serving 20 schools of 1,500 pupils each, every school's roll
search index loaded.

The deployment (registry, schools, rolls, a member of staff each) is generated once and cached
(`mem_web_deployment.py`). The server is started as a real process with room for all 20 schools
open at once (`--open-at-once 20`: with fewer, the least recently used school's application,
and its index, is closed). Its resident memory (`/proc/<pid>/status`) is read:

1. right after start, before any request (the baseline: the bare process, libraries loaded);
2. after a member of staff has signed in at each school's host name (each school's application
   built: its pools, key store, pages);
3. after each of them has searched their school's roll on the raise-a-concern page (the first
   search builds the school's index: every pupil on the roll unsealed into memory);
4. after a second round of searches (the index is kept, not built again).

The peak (`VmHWM`) over the whole run is judged against 1 GB:

    BENCH mem-web-20-schools mb=<peak> target=1024

`SAFESHARE_BENCH_SCALE=0.1` shrinks the rolls (not the number of schools) for a quick look.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import scale, stop_process
from bench.mem_web_deployment import (
    CACHE,
    SEED,
    STAFF_PASSWORD,
    Deployment,
    School,
    deployment,
    server_env,
)
from bench.mem_web_roll import pupils

SCHOOLS = 20
PUPILS = 1500
TARGET_MB = 1024
COOKIE = "safeshare_session"
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    peak_mb: float


def memory(pid: int) -> Memory:
    """The process's resident set now (`VmRSS`) and its peak so far (`VmHWM`)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return Memory(fields["VmRSS"], fields["VmHWM"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def school_serve(dep: Deployment, log: Path) -> Iterator[tuple[str, int]]:
    """`safeshare school serve` on loopback (1 worker), until the block ends; answers its
    address and process id. Waits for the port to listen without sending a request, so that
    no school is touched before the baseline is read."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFESHARE_")}
    command = [
        str(Path(sys.executable).parent / "safeshare"),
        *("school", "serve", "--host", "127.0.0.1", "--port", str(port)),
        *("--open-at-once", str(len(dep.schools))),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env={**env, **server_env(dep.base)}, cwd=REPO, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"school serve exited with {process.returncode}; see {log}")
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"school serve did not listen; see {log}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            stop_process(process, 30)


class StaffBrowser:
    """A member of staff at one school's host name: signs in through the pages and searches
    the roll as the raise-a-concern page does. The session cookie is carried by hand (the
    request goes to 127.0.0.1 with the school's `Host`)."""

    def __init__(self, base_url: str, school: School) -> None:
        self.school = school
        self.client = httpx.Client(base_url=base_url, headers={"Host": school.host}, timeout=300)
        self.sid = ""

    def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Cookie": f"{COOKIE}={self.sid}"} if self.sid else {}
        r = self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        for header in r.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name.strip() == COOKIE:
                self.sid = rest.split(";", 1)[0]
        return r

    def _csrf(self, path: str) -> str:
        page = self._send("GET", path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if page.status_code != 200 or not found:
            raise RuntimeError(f"{self.school.id}: {path} answered {page.status_code}")
        return found.group(1)

    def sign_in(self) -> None:
        data = {"email": self.school.staff_email, "password": STAFF_PASSWORD}
        r = self._send("POST", "/login", data={**data, "csrf_token": self._csrf("/login")})
        if r.status_code != 303:
            raise RuntimeError(f"{self.school.id}: sign-in refused ({r.status_code})")

    def search(self, query: str) -> int:
        """How many children the page lists for `query`."""
        form = {"name-or-upn": query, "csrf_token": self._csrf("/concerns/new")}
        r = self._send("POST", "/concerns/new/search", data=form)
        found = re.search(r"(\d+) child(?:ren)? found", r.text)
        if r.status_code != 200 or not found:
            raise RuntimeError(f"{self.school.id}: search answered {r.status_code}")
        return int(found.group(1))

    def close(self) -> None:
        self.client.close()


def search_every_school(dep: Deployment, browsers: list[StaffBrowser]) -> list[float]:
    """At each school: a pupil's full name, their UPN, two letters; answers each school's
    seconds. The pupils are the generator's (same seed), so each search must find them."""
    took: list[float] = []
    for browser in browsers:
        roll = pupils(browser.school.number, dep.pupils_each, dep.generated_on, SEED)
        pupil = roll[len(roll) // 2]
        started = time.perf_counter()
        by_name = browser.search(f"{pupil.forename} {pupil.surname}")
        by_upn = browser.search(pupil.upn)
        browser.search(pupil.surname[:2])
        took.append(time.perf_counter() - started)
        if by_name < 1 or by_upn != 1:
            raise RuntimeError(
                f"{browser.school.id}: the roll's pupil was not found ({by_name}, {by_upn})"
            )
    return took


def main() -> None:
    dep = deployment(SCHOOLS, scale(PUPILS))
    if dep.generated_seconds is not None:
        print(f"generation (first run only): {dep.generated_seconds:.0f} s")
    total = len(dep.schools) * dep.pupils_each
    with school_serve(dep, CACHE / "school-serve.log") as (base_url, pid):
        time.sleep(2)  # let start-up's allocations settle
        bare = memory(pid)
        browsers = [StaffBrowser(base_url, school) for school in dep.schools]
        try:
            for browser in browsers:
                browser.sign_in()
            signed_in = memory(pid)
            first = search_every_school(dep, browsers)
            loaded = memory(pid)
            again = search_every_school(dep, browsers)
            after = memory(pid)
        finally:
            for browser in browsers:
                browser.close()
    per_pupil_kb = (loaded.rss_mb - signed_in.rss_mb) * 1024 / total
    print(f"school serve, 1 worker, {len(dep.schools)} schools x {dep.pupils_each:,} pupils")
    print(f"  baseline, right after start, no school touched: {bare.rss_mb:.0f} MB")
    print(
        f"  staff signed in at every school (applications open): {signed_in.rss_mb:.0f} MB "
        f"(+{signed_in.rss_mb - bare.rss_mb:.0f}; peak so far {signed_in.peak_mb:.0f})"
    )
    print(
        f"  every roll searched, {total:,} pupils indexed: {loaded.rss_mb:.0f} MB "
        f"(+{loaded.rss_mb - signed_in.rss_mb:.0f} MB, {per_pupil_kb:.1f} KB per pupil); "
        f"first searches {sum(first) / len(first):.2f} s a school (index built)"
    )
    print(
        f"  searched again: {after.rss_mb:.0f} MB; {sum(again) / len(again) * 1000:.0f} ms a "
        "school (index kept)"
    )
    print(f"  peak {after.peak_mb:.0f} MB = {after.peak_mb / bare.rss_mb:.2f} x the baseline")
    print(f"BENCH mem-web-20-schools mb={after.peak_mb:.0f} target={TARGET_MB}")
