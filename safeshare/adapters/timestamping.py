"""RFC 3161 timestamps of checkpoints: a third party's word for *when* the school signed them.

Why: a checkpoint's own `recorded-at` line is the school's claim; a timestamp authority's
signed token over the checkpoint body shows the log had that root no later than the TSA's
time, which a school could not backdate even with its own key. Requests are built and
responses parsed with `rfc3161-client`; verification is left to `openssl ts -verify`, the tool an
auditor has, so what we check is exactly what they can check offline.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

import httpx
from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder
from rfc3161_client import decode_timestamp_response as _decode


class TimestampError(ValueError):
    """The timestamp authority did not give a usable token for these bytes."""


def request_timestamp(url: str, data: bytes, timeout: float = 10.0) -> bytes:
    """Ask the TSA at `url` to timestamp `data`; returns the DER TimeStampResp it sent.

    The answer must grant the request and echo our nonce and SHA-256 imprint: anything else
    is refused here rather than stored as if it vouched for the checkpoint.
    """
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        answer = httpx.post(
            url,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout,
        )
        answer.raise_for_status()
    except httpx.HTTPError as e:
        raise TimestampError(f"timestamp authority {url}: {e.__class__.__name__}") from None
    try:
        response = _decode(answer.content)
    except ValueError as e:
        raise TimestampError(f"timestamp authority {url}: not a timestamp response") from e
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"timestamp authority {url}: refused (status {response.status})")
    info = response.tst_info
    if info.nonce != request.nonce:
        raise TimestampError(f"timestamp authority {url}: the nonce does not match the request")
    if info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimestampError(f"timestamp authority {url}: the token is for other data")
    return answer.content


def verify_timestamp(data: bytes, response: bytes, ca_file: Path) -> bool:
    """`openssl ts -verify`: the token is for `data` and chains to the TSA's CA in `ca_file`."""
    with tempfile.TemporaryDirectory() as tmp:
        data_path, tsr_path = Path(tmp, "data.bin"), Path(tmp, "token.tsr")
        data_path.write_bytes(data)
        tsr_path.write_bytes(response)
        done = subprocess.run(
            [
                *("openssl", "ts", "-verify", "-data", str(data_path)),
                *("-in", str(tsr_path), "-CAfile", str(ca_file)),
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        return done.returncode == 0
