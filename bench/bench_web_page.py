"""The case page's latency under load: a case of 100 events, 20 clients at once (httpx async,
loopback), p50 and p99 of `GET /concerns/{id}` as a signed-in DSL sees it (each view is
recorded, as in use). On PostgreSQL.

The page is served by uvicorn with ONE worker: web sessions are kept in the web process's
memory for now, so a session made by one worker is unknown to another. The same case read
through the API (`GET /api/v1/concerns/{id}`, a DSL's token, no session) is measured with 2
workers too, for comparison. The last line is the page's p99 against 0.25 s.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from datetime import timedelta

import httpx
import pyotp

from bench.common import bench_school, scale
from bench.web_servers import serving
from domain.user import User
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.school import Safeshare

EVENTS = 100
CLIENTS = 20
TARGET_P99 = 0.25
PASSWORD = "bench horse battery staple"
DSL_EMAIL = "dsl@school.test"
COOKIE = "safeshare_session"


def case_of_100_events(school: Safeshare) -> str:
    """Raised, consent, lawful basis, then advice sought until the concern holds 100 events."""
    c = school.concerns
    dob = (school.ctx.clock() - timedelta(days=365 * 11)).date().isoformat()
    child = str(school.children.register("Child Bench", dob, by="bench"))
    observed = (school.ctx.clock() - timedelta(hours=2)).isoformat()
    facts = "Arrived without a coat on three cold days; said there was no breakfast at home."
    cid = str(c.raise_concern(child, "neglect", facts, observed, "Mr Jones", opinion="Chaotic."))
    c.record_consent(cid, "refused", "DSL", from_whom="parent")
    c.record_lawful_basis(cid, "public-task", "Risk of harm.", "DSL", article9="safeguarding")
    while school.ctx.concern(cid).version < EVENTS:
        c.seek_advice(cid, "MASH consultation line", "Does this meet the threshold?", "DSL")
    return cid


def dsl_account(school: Safeshare, email: str = DSL_EMAIL) -> str:
    """A DSL enrolled in TOTP; answers the secret."""
    user_id = school.accounts.add("Mrs Dee", email, "dsl", PASSWORD, "bench")
    account = school.accounts.get(user_id)
    assert account is not None
    offer = school.accounts.offer_enrolment(account)
    school.accounts.confirm_enrolment(user_id, offer.secret, pyotp.TOTP(offer.secret).now())
    return offer.secret


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def sign_in(base: str, secret: str) -> str:
    """Sign in as the DSL through the pages (password, then TOTP); answers the session id.
    The session cookie is Secure, so over plain loopback it is carried by hand."""
    with httpx.Client(base_url=base, timeout=60) as client:
        return sign_in_with(client, secret)


def sign_in_with(client: httpx.Client, secret: str, email: str = DSL_EMAIL) -> str:
    """`sign_in` through a client of our own (e.g. starlette's `TestClient`, in process)."""
    sid = ""

    def kept(r: httpx.Response) -> httpx.Response:
        nonlocal sid
        for header in r.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name.strip() == COOKIE:
                sid = rest.split(";", 1)[0]
        return r

    def cookie() -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={sid}"} if sid else {}

    page = kept(client.get("/login", headers=cookie()))
    r = kept(
        client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
            headers=cookie(),
        )
    )
    if r.headers.get("location") == "/login/second-factor":
        page = kept(client.get("/login/second-factor", headers=cookie()))
        code = pyotp.TOTP(secret).now()
        r = kept(
            client.post(
                "/login/second-factor",
                data={"code": code, "csrf_token": _csrf(page.text)},
                headers=cookie(),
            )
        )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in refused: {r.status_code}")
    return sid


async def _latencies(base: str, path: str, headers: dict[str, str], count: int) -> list[float]:
    """`count` GETs of `path`, `CLIENTS` at a time; each one's seconds."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    remaining = count
    seconds: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one_client() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                r = await client.get(path, headers=headers)
                seconds.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return seconds


def percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49], cuts[98]


def measure(count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    with bench_school("postgres") as school:
        concern_id = case_of_100_events(school)
        secret = dsl_account(school)
        token = (
            ApiTokenService(school.ctx, school.accounts)
            .issue(User.create_id(DSL_EMAIL), "bench", "bench")
            .token
        )
        with serving("ours", school.settings, workers=1) as base:
            sid = sign_in(base, secret)
            page = {"Cookie": f"{COOKIE}={sid}"}
            asyncio.run(_latencies(base, f"/concerns/{concern_id}", page, CLIENTS * 2))
            page_times = asyncio.run(_latencies(base, f"/concerns/{concern_id}", page, count))
        with serving("ours", school.settings, workers=2) as base:
            auth = {"Authorization": f"Bearer {token}"}
            path = f"/api/v1/concerns/{concern_id}"
            asyncio.run(_latencies(base, path, auth, CLIENTS * 2))
            api_times = asyncio.run(_latencies(base, path, auth, count))
        return percentiles(page_times), percentiles(api_times)


def main() -> None:
    count = scale(600)
    (page_p50, page_p99), (api_p50, api_p99) = measure(count)
    print(
        f"web-case-page: API case read (uvicorn 2 workers, a DSL's token), {CLIENTS} clients, "
        f"{count} reads: p50 {api_p50:.3f} s, p99 {api_p99:.3f} s"
    )
    print(
        f"web-case-page: case page of {EVENTS} events (uvicorn 1 worker: sessions in memory), "
        f"{CLIENTS} clients, {count} views: p50 {page_p50:.3f} s, p99 {page_p99:.3f} s"
    )
    print(f"BENCH web-case-page seconds={page_p99:.3f} target={TARGET_P99:.2f}")


if __name__ == "__main__":
    main()
