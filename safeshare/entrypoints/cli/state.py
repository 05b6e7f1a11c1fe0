"""The school's safeshare for one CLI invocation: built once, on first use, from settings, held
for that invocation only (a context variable the root command sets and resets), and closed when
the command ends. Nothing is cached across invocations."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import typer

from safeshare.bootstrap import build
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

WORKER_HEALTHCHECK_SECONDS = 30
"""`serve --workers`: how long uvicorn's supervisor waits for a worker to answer its health
check before killing it (uvicorn's default, 5 s, is too short on a busy machine: under `make
load` workers still importing, or busy with requests, were killed and restarted, their
requests cut off). A worker that is really hung is still replaced."""

KEEP_ALIVE_SECONDS = 75
"""How long the web keeps an idle HTTP connection open. Uvicorn's default, 5 s, is as long as
common clients keep one in their pools (httpx's included), and a request sent on a connection
just as the server closes it is lost (`make load` saw tens: `ReadError`, never processed). 75 s
outlasts clients' and proxies' idle timeouts (nginx's upstream default is 60 s): the client
closes first."""


@dataclass
class CliSession:
    data: Path | None = None
    _school: Safeshare | None = None

    def settings(self) -> Settings:
        return Settings(data=self.data) if self.data is not None else Settings()

    def safeshare(self) -> Safeshare:
        if self._school is None:
            self._school = build(self.settings())
        return self._school

    def close(self) -> None:
        if self._school is not None:
            self._school.close()
            self._school = None


_current: ContextVar[CliSession | None] = ContextVar("safeshare_cli_session", default=None)


def start(ctx: typer.Context, data: Path | None) -> CliSession:
    """Called by the root command: one session for this invocation, closed with it."""
    session = CliSession(data)
    token = _current.set(session)
    ctx.obj = session

    def end() -> None:
        session.close()
        _current.reset(token)

    ctx.call_on_close(end)
    return session


def session() -> CliSession:
    found = _current.get()
    if found is None:
        msg = "no CLI session: the root command starts one"
        raise RuntimeError(msg)
    return found


def settings() -> Settings:
    return session().settings()


def safeshare() -> Safeshare:
    return session().safeshare()
