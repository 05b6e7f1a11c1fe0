"""Structured logging: JSON lines in production, readable lines on a terminal; ids only.

Every process (the CLI, the relay, a Celery worker, the web) calls `configure_logging` once at
start-up. Log events carry ids, codes and counts as fields, never a name or a description
(DESIGN.md: "Nothing that identifies a child is logged").
"""

from __future__ import annotations

import logging
import os
import sys

import structlog


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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
