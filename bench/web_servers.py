"""What the web benchmarks serve: safeshare's app, and a bare FastAPI endpoint doing the same
`eventsourcing` save with the same sealing, each under uvicorn in its own process (workers
started by uvicorn itself), on loopback.

The workers read where the school is from `SAFESHARE_*` (as `safeshare web` does) and, for the
bare app, the raw store's schema from `SAFESHARE_BENCH_RAW_SCHEMA`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

import httpx
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import get_topic
from fastapi import FastAPI
from pydantic import BaseModel, Field

from bench.common import stop_process
from domain.sealed import Sealed
from safeshare.adapters.persistence import SealedAsDict
from safeshare.bootstrap import build, event_store_env
from safeshare.entrypoints.web.asgi import make_app
from safeshare.settings import Settings

RAW_SCHEMA = "SAFESHARE_BENCH_RAW_SCHEMA"


class BareConcern(Aggregate):
    """The shape safeshare saves on raising: the concern and the raiser's details, two events
    in one save, the personal fields sealed."""

    @event("Raised")
    def __init__(
        self,
        child_id: UUID,
        category: str,
        facts: Sealed,
        opinion: Sealed | None,
        observed_at: str,
    ) -> None:
        self.child_id = child_id

    @event("DetailsRecorded")
    def details(self, child_words: Sealed | None, raised_by_account: str) -> None:
        pass


class BareIn(BaseModel):
    child_id: UUID
    category: str = Field(max_length=40)
    facts: str = Field(min_length=1, max_length=20_000)
    opinion: str | None = Field(default=None, max_length=20_000)
    child_words: str | None = Field(default=None, max_length=20_000)
    observed_at: str = Field(max_length=40)


class RawStore(Application[UUID]):
    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SealedAsDict())


def raw_store(settings: Settings, schema: str) -> Application[UUID]:
    """The bare library's application on the school's database and cipher key (its own
    tables, in their own schema)."""
    env = event_store_env(settings)
    env["POSTGRES_SCHEMA"] = schema
    env["CIPHER_TOPIC"] = get_topic(AESCipher)
    env["APPLICATION_RECORDER_TOPIC"] = ""
    env["AGGREGATE_CACHE_MAXSIZE"] = "0"
    return RawStore(env=env)


def ours() -> FastAPI:
    """uvicorn's factory: safeshare's whole web app, as `safeshare serve --workers N` builds
    it in each worker."""
    return make_app()


def bare() -> FastAPI:
    """uvicorn's factory: one endpoint that validates, seals with the child's key and saves."""
    school = build(Settings())
    sealer = school.ctx.sealer
    store = raw_store(school.settings, os.environ[RAW_SCHEMA])
    app = FastAPI()

    @app.post("/concerns", status_code=201)
    async def raise_concern(body: BareIn) -> dict[str, str]:
        datetime.fromisoformat(body.observed_at)
        concern = BareConcern(
            body.child_id,
            body.category,
            sealer.seal(body.child_id, "concern.facts", body.facts),
            sealer.seal_optional(body.child_id, "concern.opinion", body.opinion),
            body.observed_at,
        )
        concern.details(
            sealer.seal_optional(body.child_id, "concern.child_words", body.child_words), "bench"
        )
        store.save(concern)
        return {"id": str(concern.id)}

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(factory: str, settings: Settings, workers: int, **env: str) -> Iterator[str]:
    """`uvicorn bench.web_servers:<factory> --workers N` on loopback until the block ends."""
    port = _free_port()
    environ = {
        **os.environ,
        "SAFESHARE_DATA": str(settings.data),
        "SAFESHARE_SCHOOL": settings.school,
        **({"SAFESHARE_DATABASE_URL": settings.database_url} if settings.database_url else {}),
        **(
            {"SAFESHARE_AUDIT_KEY_FILE": str(settings.audit_key_file)}
            if settings.audit_key_file
            else {}
        ),
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"bench.web_servers:{factory}",
            "--factory",
            "--workers",
            str(workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=environ,
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process, 20)


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5)
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        time.sleep(2)  # one worker answers; give the other time to build its app too
        return
    raise RuntimeError("uvicorn did not start")
