"""`Idempotency-Key` on every POST and PUT (issue 14: "a retried call records once"): the first
answer to a key is kept, per token, and a retry with the same key and the same body gets that
answer again without doing anything; the same key with another body is refused (422).

Kept in the web process's memory (the newest `LIMIT` keys, for `TTL`), as the sessions are:
several web workers need sticky routing by token for a retry to find its key.

Only the event loop touches what is kept (this middleware is async; the routes run in threads),
so it needs no lock. A retry that arrives while the first call with its key is still being
answered (the client gave up waiting and sent it again) waits for that answer and is given it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from safeshare.entrypoints.api.problems import problem

HEADER = "idempotency-key"
LIMIT = 10_000
TTL = timedelta(hours=24)
MAX_KEY = 200


@dataclass(frozen=True)
class Kept:
    body_sha256: str
    at: datetime
    status: int
    content: bytes
    media_type: str | None
    headers: dict[str, str]


class IdempotencyKeys:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.kept: OrderedDict[str, Kept] = OrderedDict()
        self.answering: dict[str, asyncio.Event] = {}

    async def __call__(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        key = request.headers.get(HEADER)
        if request.method not in ("POST", "PUT") or key is None:
            return await call_next(request)
        if not key.strip() or len(key) > MAX_KEY:
            return problem(
                422,
                "The request is not valid",
                detail=f"Idempotency-Key: 1 to {MAX_KEY} characters",
                field="Idempotency-Key",
                errors=[{"field": "Idempotency-Key", "message": "1 to 200 characters"}],
            )
        body = await request.body()
        who = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()
        slot = f"{who}:{request.method}:{request.url.path}:{key}"
        digest = hashlib.sha256(body).hexdigest()
        while (first := self.answering.get(slot)) is not None:
            await first.wait()
        now = self.clock()
        kept = self.kept.get(slot)
        if kept is not None and now - kept.at < TTL:
            if kept.body_sha256 != digest:
                return problem(
                    422,
                    "The request is not valid",
                    detail="Idempotency-Key: already used for a different request",
                    field="Idempotency-Key",
                    errors=[{"field": "Idempotency-Key", "message": "used for another request"}],
                )
            return Response(
                kept.content,
                status_code=kept.status,
                media_type=kept.media_type,
                headers={**kept.headers, "Idempotent-Replayed": "true"},
            )
        self.answering[slot] = answered = asyncio.Event()
        try:
            return await self._answer(request, call_next, slot, digest, now)
        finally:
            del self.answering[slot]
            answered.set()

    async def _answer(
        self,
        request: Request,
        call_next: Callable[[Request], Awaitable[Response]],
        slot: str,
        digest: str,
        now: datetime,
    ) -> Response:
        response = await call_next(request)
        content = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)
        }
        if response.status_code < 500:
            self.kept[slot] = Kept(
                digest, now, response.status_code, content, response.media_type, headers
            )
            self.kept.move_to_end(slot)
            while len(self.kept) > LIMIT:
                self.kept.popitem(last=False)
        return Response(
            content,
            status_code=response.status_code,
            headers=headers,
            media_type=response.media_type,
        )
