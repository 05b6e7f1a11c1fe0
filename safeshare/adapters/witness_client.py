"""Talking to a witness over HTTPS (the school's side of `safeshare.witness.server`).

Every call answers (status, body text) or raises `WitnessUnreachable` naming the witness: the
caller decides what a refusal means. Only log names and child ids (tombstones) ever leave,
never anything that identifies a child: an id is a random UUID, meaningless outside the school.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request on the console


class WitnessUnreachable(ConnectionError):
    """The witness could not be asked (connection, TLS or timeout)."""


def _verify(ca_file: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def witness_post(
    url: str, path: str, body: bytes, ca_file: Path | None, timeout: float = 10.0
) -> tuple[int, str]:
    try:
        answer = httpx.post(
            url + path,
            content=body,
            headers={"Content-Type": "text/plain; charset=utf-8"},
            verify=_verify(ca_file),
            timeout=timeout,
        )
    except httpx.HTTPError as e:
        raise WitnessUnreachable(f"witness {url}: {e.__class__.__name__}") from None
    return answer.status_code, answer.text


def witness_get(
    url: str, path: str, origin: str, ca_file: Path | None, timeout: float = 10.0
) -> tuple[int, str]:
    try:
        answer = httpx.get(
            url + path, params={"origin": origin}, verify=_verify(ca_file), timeout=timeout
        )
    except httpx.HTTPError as e:
        raise WitnessUnreachable(f"witness {url}: {e.__class__.__name__}") from None
    return answer.status_code, answer.text
