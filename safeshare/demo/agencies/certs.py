"""Certificates for test agencies: a private CA (what `SAFESHARE_TLS_CA_FILE` points to) and
a server certificate for 127.0.0.1 / localhost issued by it."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

AGENCY_HOST = "127.0.0.1"


@dataclass(frozen=True)
class AgencyPki:
    """A CA, its PEM on disk, and a server key + chain PEM on disk for the agencies.

    Both live in files so a standalone agency process can load the same certificate that an
    in-process test trusts.
    """

    ca: trustme.CA
    ca_file: Path
    server_pem: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side SSL context presenting the agency certificate."""
        return server_context_from_pem(self.server_pem)


def make_pki(directory: Path, name: str = "agency") -> AgencyPki:
    """Create a CA and a server certificate for the loopback agencies under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name=f"safeshare test {name} CA")
    ca_file = directory / f"{name}-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    leaf = ca.issue_cert(AGENCY_HOST, "localhost")
    server_pem = directory / f"{name}-server.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    return AgencyPki(ca=ca, ca_file=ca_file, server_pem=server_pem)


def server_context_from_pem(pem: Path) -> ssl.SSLContext:
    """A server-side SSL context from one PEM holding the private key and the chain."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    return context


def free_port() -> int:
    """A loopback port nothing listens on right now (aiosmtpd's Controller needs a real port
    number up front, and the connection-refused tests need one nobody answers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((AGENCY_HOST, 0))
        port: int = sock.getsockname()[1]
        return port
