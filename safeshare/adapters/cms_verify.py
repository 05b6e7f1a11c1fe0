"""Checking a CMS signature with the `openssl` command line (`cryptography` signs CMS but
cannot verify it). Nothing touches the disk but the trust anchor: the signed bytes go in on
standard input and the content comes back on standard output."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sharing.errors import SharingError


class SignatureNotVerified(SharingError):
    """The CMS signature does not verify against the trusted certificate."""


def verified_content(signed_der: bytes, trusted_ca: Path, timeout: float = 30.0) -> bytes:
    """The signed content of a CMS SignedData (DER), once its signature verifies against
    `trusted_ca` (a PEM certificate file); raises `SignatureNotVerified` otherwise."""
    done = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-CAfile",
            str(trusted_ca),
        ],
        input=signed_der,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SignatureNotVerified("the signature does not verify against the sender's certificate")
    return done.stdout
