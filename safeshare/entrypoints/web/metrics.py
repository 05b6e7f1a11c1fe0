"""`GET /metrics` for Prometheus (when `SAFESHARE_WEB_METRICS` is on): this process's counters
(all the web workers' in multiprocess mode) and the school's gauges. No session, no personal
data: counts, lags and ages under code labels. Behind `SAFESHARE_METRICS_TOKEN` when set."""

from __future__ import annotations

import hmac

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from safeshare.adapters.metrics import exposition
from safeshare.services.metrics import SchoolMetrics
from safeshare.services.school import Safeshare

METRICS_PATH = "/metrics"


def add_metrics_route(app: FastAPI, school: Safeshare) -> None:
    gauges = SchoolMetrics(school)
    token = school.settings.metrics_token

    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics(request: Request) -> Response:
        if token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(
                sent.encode(), f"Bearer {token.get_secret_value()}".encode()
            ):
                return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body, content_type = exposition(gauges)
        return Response(body, media_type=content_type)
