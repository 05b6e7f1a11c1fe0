"""An agency HTTPS endpoint on loopback: stdlib `ThreadingHTTPServer` behind TLS.

It records each POST, answers 201 with `X-Receipt: agency-receipt-<n>`, and can answer a
chosen status to the next few requests, drop the next few connections without a reply, or go
down entirely (listener closed, so connections are refused) and come back on the same port.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import threading
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from safeshare.demo.agencies.certs import AGENCY_HOST, free_port
from safeshare.demo.agencies.recording import recorded_files, write_atomically

_DROP = -1


@dataclass(frozen=True)
class ReceivedPost:
    """One POST as the agency got it, and the status it answered."""

    idempotency_key: str
    packet_id: str
    packet_sha256: str
    content_type: str
    body: bytes
    status: int
    client_subject: str = ""
    """The client certificate's common name, when the agency asked for one."""

    def to_json(self) -> bytes:
        """The record as JSON, for the record directory."""
        fields = {k: v for k, v in self.__dict__.items() if k != "body"}
        fields["body"] = base64.b64encode(self.body).decode()
        return json.dumps(fields).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ReceivedPost:
        """Read a record written by `to_json`."""
        fields: dict[str, Any] = json.loads(data)
        fields["body"] = base64.b64decode(fields["body"])
        return cls(**fields)


def read_recorded_posts(directory: Path) -> list[ReceivedPost]:
    """Accepted POSTs an agency (in this process or another) wrote to `directory`."""
    return [ReceivedPost.from_json(p.read_bytes()) for p in recorded_files(directory, ".json")]


class HttpsAgency:
    """A loopback HTTPS server that behaves like an agency's referral endpoint."""

    def __init__(
        self, tls: ssl.SSLContext, *, port: int | None = None, record_dir: Path | None = None
    ) -> None:
        self.host = AGENCY_HOST
        self.port = port or free_port()
        self.record_dir = record_dir
        self._tls = tls
        self._lock = threading.Lock()
        self._received: list[ReceivedPost] = []
        self._plan: list[int] = []
        self._server: _TlsServer | None = None
        self.receipt_in_header = True
        """When False, the receipt comes only in the JSON body (some agencies do that)."""
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where referrals are posted."""
        return f"https://{self.host}:{self.port}/referrals"

    def start(self) -> HttpsAgency:
        """Start listening in a background thread."""
        server = _TlsServer((self.host, self.port), _Handler, self, self._tls)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections: the agency is down."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    go_down = stop
    come_back = start

    def __enter__(self) -> HttpsAgency:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def fail_next(self, n: int, status: int) -> None:
        """Answer the next `n` POSTs with `status` and no receipt."""
        with self._lock:
            self._plan.extend([status] * n)

    def drop_next(self, n: int) -> None:
        """Read the next `n` POSTs and close the connection without answering."""
        with self._lock:
            self._plan.extend([_DROP] * n)

    @property
    def received(self) -> list[ReceivedPost]:
        """Every POST that reached the handler, whatever it was answered."""
        with self._lock:
            return list(self._received)

    @property
    def delivered(self) -> list[ReceivedPost]:
        """POSTs the agency accepted (201)."""
        return [p for p in self.received if p.status == 201]

    @property
    def distinct_idempotency_keys(self) -> int:
        """How many different referrals were accepted: what a deduping agency would see."""
        return len({p.idempotency_key for p in self.delivered})

    def _answer(self, post: ReceivedPost) -> tuple[int, int]:
        """Decide the status for one POST and record it; returns (status, receipt number)."""
        with self._lock:
            status = self._plan.pop(0) if self._plan else 201
            answered = replace(post, status=status if status != _DROP else 0)
            self._received.append(answered)
            number = sum(1 for p in self._received if p.status == 201)
        if status == 201 and self.record_dir is not None:
            write_atomically(self.record_dir, ".json", answered.to_json())
        return status, number


class _TlsServer(ThreadingHTTPServer):
    """Wraps each accepted connection in TLS inside its own thread, so a client that fails
    the handshake (say, one that does not trust our CA) never stalls the accept loop."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        agency: HttpsAgency,
        tls: ssl.SSLContext,
    ) -> None:
        self.agency = agency
        self.tls = tls
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(10)
        tls_sock = self.tls.wrap_socket(request, server_side=True)
        with self._live_lock:
            self._live.add(tls_sock)
        try:
            super().finish_request(tls_sock, client_address)
        finally:
            with self._live_lock:
                self._live.discard(tls_sock)
            tls_sock.close()

    def cut_connections(self) -> None:
        """Shut down kept-alive connections so a downed agency answers nothing."""
        with self._live_lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Failed handshakes and cut connections are expected here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TlsServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        post = ReceivedPost(
            idempotency_key=self.headers.get("Idempotency-Key", ""),
            packet_id=self.headers.get("X-Packet-Id", ""),
            packet_sha256=self.headers.get("X-Packet-SHA256", ""),
            content_type=self.headers.get("Content-Type", ""),
            body=body,
            status=0,
            client_subject=_peer_common_name(self.connection),
        )
        status, number = self.server.agency._answer(post)
        if status == _DROP:
            self.close_connection = True
            return
        if status != 201:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            if status in (429, 503):
                self.send_header("Retry-After", "1")
            self.end_headers()
            return
        reply = json.dumps({"receipt": f"agency-receipt-{number}"}).encode()
        self.send_response(201)
        if self.server.agency.receipt_in_header:
            self.send_header("X-Receipt", f"agency-receipt-{number}")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded POSTs are what tests look at."""


def _peer_common_name(connection: Any) -> str:
    """Who the client certificate says the sender is (empty when none was asked for)."""
    if not isinstance(connection, ssl.SSLSocket):
        return ""
    cert: dict[str, Any] = dict(connection.getpeercert() or {})
    subject: tuple[tuple[tuple[str, str], ...], ...] = cert.get("subject", ())
    names = [value for rdn in subject for key, value in rdn if key == "commonName"]
    return names[0] if names else ""
