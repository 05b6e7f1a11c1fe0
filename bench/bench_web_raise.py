"""Concerns raised per second over HTTP: safeshare's `POST /api/v1/concerns` (a member of
staff's API token, an `Idempotency-Key` on each call, as the MIS sends) against a bare FastAPI
endpoint doing the same `eventsourcing` save (two events in one save) with the same sealing
(the child's key) but none of our stack (no token check, no policy checks, no idempotency, no
integrity log, no projections). Both under uvicorn with 2 workers on PostgreSQL, one client
on loopback (httpx, `CONCURRENCY` calls in flight), same run.

Rounds alternate between the two servers so a busy shared machine slows both alike; each
side's rate is the median of its rounds. Target: ours >= 0.5 x bare.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import psycopg
from psycopg import sql

from bench.common import bench_line, bench_school, scale
from bench.web_servers import RAW_SCHEMA, raw_store, serving
from domain.user import User
from harness.schools import PG_ADMIN, PG_DB
from safeshare.services.api_tokens import ApiTokenService

CONCURRENCY = 8
ROUNDS = 3
WORKERS = 2
TARGET = 0.50
PASSWORD = "bench horse battery staple"


def _body(child_id: str, observed_at: str) -> dict[str, Any]:
    return {
        "child_id": child_id,
        "category": "neglect",
        "facts": "Arrived without a coat on three cold days; said there was no breakfast. " * 2,
        "opinion": "Home seems chaotic since the new baby arrived.",
        "child_words": "There wasn't any food",
        "observed_at": observed_at,
    }


async def _round(base: str, path: str, headers: dict[str, str], bodies: list[Any]) -> float:
    """Raise every body, `CONCURRENCY` at a time; answers concerns per second."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def caller() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                sent = {**headers, "Idempotency-Key": str(uuid.uuid4())}
                r = await client.post(path, json=body, headers=sent)
                if r.status_code != 201:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

        start = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(CONCURRENCY)))
        return len(bodies) / (time.perf_counter() - start)


def measure(count: int) -> tuple[float, float]:
    with bench_school("postgres") as school:
        dob = (school.ctx.clock() - timedelta(days=365 * 11)).date().isoformat()
        child = str(school.children.register("Child Bench", dob, by="bench"))
        school.accounts.add("Ms Bench", "bench@school.test", "staff", PASSWORD, "bench")
        token = (
            ApiTokenService(school.ctx, school.accounts)
            .issue(User.create_id("bench@school.test"), "bench", "bench")
            .token
        )
        schema = f"{school.settings.pg_schema}_bare"
        _schema("CREATE SCHEMA IF NOT EXISTS {}", schema)
        raw_store(school.settings, schema).close()  # its tables, before two workers start
        auth = {"Authorization": f"Bearer {token}"}
        ours: list[float] = []
        bares: list[float] = []
        with (
            serving("ours", school.settings, WORKERS) as ours_url,
            serving("bare", school.settings, WORKERS, **{RAW_SCHEMA: schema}) as bare_url,
        ):

            def bodies(n: int) -> list[Any]:
                observed = (school.ctx.clock() - timedelta(hours=2)).isoformat()
                return [_body(child, observed) for _ in range(n)]

            warm = max(CONCURRENCY * 2, count // 10)
            asyncio.run(_round(ours_url, "/api/v1/concerns", auth, bodies(warm)))
            asyncio.run(_round(bare_url, "/concerns", {}, bodies(warm)))
            for _ in range(ROUNDS):
                ours.append(asyncio.run(_round(ours_url, "/api/v1/concerns", auth, bodies(count))))
                bares.append(asyncio.run(_round(bare_url, "/concerns", {}, bodies(count))))
        _schema("DROP SCHEMA IF EXISTS {} CASCADE", schema)
        return statistics.median(ours), statistics.median(bares)


def _schema(statement: str, schema: str) -> None:
    with psycopg.connect(
        PG_ADMIN.replace("dbname=postgres", f"dbname={PG_DB}"), autocommit=True
    ) as c:
        c.execute(sql.SQL(statement).format(sql.Identifier(schema)))


def main() -> None:
    ours, bare = measure(scale(200))
    print(
        f"web-raise-concern: safeshare {ours:.1f} concerns/s, bare FastAPI + eventsourcing "
        f"{bare:.1f}/s (uvicorn {WORKERS} workers, {CONCURRENCY} in flight, PostgreSQL)"
    )
    print(bench_line("web-raise-concern", ours / bare, TARGET))


if __name__ == "__main__":
    main()
