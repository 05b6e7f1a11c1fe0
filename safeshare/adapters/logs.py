"""Structured logging: JSON lines in production, readable lines on a terminal; ids only.

Every process (the CLI, the relay, a Celery worker, the web) calls `configure_logging` once at
start-up. Log events carry ids, codes and counts as fields, never a name or a description
(DESIGN.md: "Nothing that identifies a child is logged").
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from pathlib import Path

import structlog


class _StderrLogger:
    """Writes each line to whatever `sys.stderr` is at the time (tests swap it)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg

    @classmethod
    def factory(cls, *args: object) -> _StderrLogger:
        return cls()


def configure_logging(level: int = logging.INFO, json_lines: bool | None = None) -> None:
    """JSON lines when `SAFESHARE_LOG_FORMAT=json` or stderr is not a terminal; else console."""
    if json_lines is None:
        wanted = os.environ.get("SAFESHARE_LOG_FORMAT", "").lower()
        json_lines = wanted == "json" or (wanted != "console" and not sys.stderr.isatty())
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_StderrLogger.factory,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def append_error_log(path: Path, error_id: str, exc: BaseException) -> None:
    """One JSON line per unexpected error, with its traceback, in a file only the service's
    user can read (the traceback names code, not people: arguments are never logged)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps(
        {
            "error_id": error_id,
            "error": type(exc).__name__,
            "traceback": "".join(traceback.format_exception(exc)),
        }
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(line + "\n")
