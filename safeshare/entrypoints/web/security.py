"""Security headers on every response, and the CSRF check on every form."""

from __future__ import annotations

import hmac

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(request: Request, response: Response) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        # Every page may show a child's record or an account's state: never kept by a
        # browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


class CsrfRejected(Exception):
    """A form without the session's CSRF token."""


def check_csrf(form: FormData, expected: str) -> None:
    sent = form.get("csrf_token")
    check_csrf_header(sent if isinstance(sent, str) else None, expected)


def check_csrf_header(sent: str | None, expected: str) -> None:
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRejected
