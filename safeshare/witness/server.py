"""`safeshare witness serve`: the witness over HTTPS (stdlib server, TLS per connection).

    POST /add-checkpoint          C2SP tlog-witness (see `witness.py` for the answers)
    POST /add-tombstones          a tombstone list signed by the log's audit key
    GET  /checkpoint?origin=LOG   the last checkpoint cosigned for LOG, with the cosignature
    GET  /tombstones?origin=LOG   the erased child ids reported for LOG, one a line

Each connection is wrapped in TLS in its own thread, so a client that fails the handshake
never stalls the accept loop. Request bodies above 1 MiB are refused (413).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from safeshare.witness.witness import Reply, Witness

MAX_BODY = 1 << 20


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], witness: Witness, tls: ssl.SSLContext) -> None:
        self.witness = witness
        self.tls = tls
        super().__init__(address, _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"https://{host!s}:{port}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(10)
        try:
            tls_sock = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls_sock, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls_sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Cut connections and failed handshakes are expected; stay quiet."""

    def start(self) -> WitnessServer:
        """Serve in a background thread (tests, embedding)."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WitnessServer

    def do_POST(self) -> None:
        given = self.headers.get("Content-Length") or "0"
        length = int(given) if given.isdigit() else -1
        if not 0 <= length <= MAX_BODY:
            self._send(Reply(413 if length > MAX_BODY else 400, "Content-Length: 0 to 1 MiB\n"))
            self.close_connection = True
            return
        body = self.rfile.read(length)
        path = urlsplit(self.path).path
        w = self.server.witness
        if path == "/add-checkpoint":
            self._send(w.add_checkpoint(body))
        elif path == "/add-tombstones":
            self._send(w.add_tombstones(body))
        else:
            self._send(Reply(404, "no such endpoint\n"))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        origin = parse_qs(url.query).get("origin", [""])[0]
        w = self.server.witness
        if not origin:
            self._send(Reply(400, "origin: the log's name is required\n"))
        elif url.path == "/checkpoint":
            self._send(w.latest(origin))
        elif url.path == "/tombstones":
            self._send(w.tombstones(origin))
        else:
            self._send(Reply(404, "no such endpoint\n"))

    def _send(self, reply: Reply) -> None:
        data = reply.body.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests carry log names and ids only, but the store is the record."""
