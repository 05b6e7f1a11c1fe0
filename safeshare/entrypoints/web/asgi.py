"""`uvicorn --factory safeshare.entrypoints.web.asgi:make_app`: the web app for the school the
environment names, built in each uvicorn worker process (`safeshare serve --workers N`)."""

from __future__ import annotations

from fastapi import FastAPI

from safeshare.bootstrap import build
from safeshare.entrypoints.web.app import create_app
from safeshare.settings import Settings


def make_app() -> FastAPI:
    return create_app(build(Settings()))
