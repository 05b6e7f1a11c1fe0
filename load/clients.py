"""The clients: `clients` asyncio tasks over httpx, each a member of staff and a DSL of one
school (its API tokens; the school chosen by the Host header), raising a concern and deciding
it, again and again until the window closes or the bound on flows is reached. One flow in
`urgent_every` shares urgently with the police (consent not sought, public task); the others
with MASH on the parent's consent. Every request's kind, status and timing is kept."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from load.seed import Seeded

API = "/api/v1"


@dataclass(frozen=True)
class Call:
    school: str
    kind: str
    status: int
    """0: no answer (connection refused or reset, timeout)."""
    start: float
    end: float
    error: str = ""
    """For no answer: the exception's class (`ReadTimeout`: not answered within 60 s)."""

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Decided:
    school: str
    concern_id: str
    referral_ids: list[str]
    urgent: bool
    at: float
    """Wall-clock time the decision was answered (urgent delivery latency counts from it)."""


@dataclass
class Results:
    calls: list[Call] = field(default_factory=list)
    decided: list[Decided] = field(default_factory=list)
    raised: dict[str, list[str]] = field(default_factory=dict)
    """Concern ids raised, by school."""


class Client:
    def __init__(self, http: httpx.AsyncClient, school: Seeded, results: Results) -> None:
        self.http = http
        self.school = school
        self.results = results

    async def call(self, kind: str, token: str, path: str, body: dict[str, Any]) -> Any:
        start = time.time()
        error = ""
        try:
            r = await self.http.post(
                API + path,
                json=body,
                headers={"Host": self.school.host, "Authorization": f"Bearer {token}"},
            )
            status = r.status_code
        except httpx.HTTPError as exc:
            status, error = 0, type(exc).__name__
        self.results.calls.append(Call(self.school.school, kind, status, start, time.time(), error))
        return r.json() if 200 <= status < 300 else None

    async def flow(self, n: int, urgent: bool) -> None:
        s = self.school
        observed = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        raised = await self.call(
            "raise",
            s.staff_token,
            "/concerns",
            {
                "child_id": s.children[n % len(s.children)],
                "category": "physical-abuse" if urgent else "neglect",
                "facts": s.canary_fact,
                "observed_at": observed,
                "immediate_risk": urgent,
                "crime_suspected": urgent,
            },
        )
        if raised is None:
            return
        cid = str(raised["id"])
        self.results.raised.setdefault(s.school, []).append(cid)
        if urgent:
            steps = [
                ("consent", "/consent", {"status": "not-sought", "reason": "delay"}),
                (
                    "lawful-basis",
                    "/lawful-basis",
                    {
                        "article6": "public-task",
                        "justification": "Immediate risk",
                        "article9": "safeguarding",
                    },
                ),
            ]
        else:
            steps = [
                ("consent", "/consent", {"status": "sought", "from_whom": "parent"}),
                ("consent", "/consent", {"status": "given", "from_whom": "parent"}),
            ]
        for kind, path, body in steps:
            if await self.call(kind, s.dsl_token, f"/concerns/{cid}{path}", body) is None:
                return
        decision = await self.call(
            "decide",
            s.dsl_token,
            f"/concerns/{cid}/decision",
            {
                "share": True,
                "reasons": "Reasons recorded",
                "purpose": "Assessment",
                "to": ["police"] if urgent else ["mash"],
            },
        )
        if decision is not None:
            ids = [str(r) for r in decision["referral_ids"]]
            self.results.decided.append(Decided(s.school, cid, ids, urgent, time.time()))


async def run_clients(
    port: int,
    schools: list[Seeded],
    clients: int,
    seconds: float,
    max_flows: int,
    urgent_every: int,
) -> Results:
    results = Results()
    deadline = time.monotonic() + seconds
    counter = itertools.count()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=timeout
    ) as http:

        async def one(k: int) -> None:
            client = Client(http, schools[k % len(schools)], results)
            while time.monotonic() < deadline:
                n = next(counter)
                if n >= max_flows:
                    return
                await client.flow(n, urgent=n % urgent_every == 0)

        await asyncio.gather(*(one(k) for k in range(clients)))
    return results
