"""RFC 3161 timestamps of checkpoints, from a real TSA on loopback (`openssl ts -reply` behind
a tiny HTTP server), verified offline with `openssl ts -verify`."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from projections.integrity_diagnosis import CHECKPOINT_TIMESTAMP
from safeshare.adapters.timestamping import TimestampError, request_timestamp
from safeshare.bootstrap import build
from safeshare.entrypoints.initialise import initialise
from safeshare.services.audit import AuditService
from tests.support import FakeClock, born, copy_identity, school_settings

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

TS_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = {serial}
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_tsa(folder: Path) -> None:
    """A CA and a timestamping certificate (EKU timeStamping, critical, as RFC 3161 asks)."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test TSA Root"))
        .issuer_name(_name("Test TSA Root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test TSA"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.key").write_bytes(_pem_key(key))
    (folder / "serial").write_text("01\n")
    (folder / "ts.cnf").write_text(TS_CONFIG.format(serial=folder / "serial"))


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(URL, CA file) of a timestamp authority on loopback answering with `openssl ts -reply`."""
    folder = tmp_path / "tsa"
    folder.mkdir()
    make_tsa(folder)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (folder / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    [
                        *("openssl", "ts", "-reply", "-config", str(folder / "ts.cnf")),
                        *("-queryfile", str(folder / "q.tsq"), "-signer", str(folder / "tsa.pem")),
                        *("-inkey", str(folder / "tsa.key"), "-out", str(folder / "r.tsr")),
                    ],
                    capture_output=True,
                    check=False,
                    timeout=60,
                )
                body = (folder / "r.tsr").read_bytes() if done.returncode == 0 else b""
            self.send_response(200 if body else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", folder / "ca.pem"
    finally:
        server.shutdown()
        server.server_close()


def test_checkpoints_are_timestamped_and_verify_offline_with_openssl(
    identity_template: Path, tmp_path: Path, tsa: tuple[str, Path]
) -> None:
    url, ca = tsa
    data = tmp_path / "var"
    settings = school_settings(data, "sqlite").model_copy(
        update={"tsa_url": url, "tsa_ca_file": ca}
    )
    copy_identity(identity_template, data)
    initialise(settings)
    s = build(settings, clock=FakeClock())
    try:
        audit = AuditService(s)
        s.children.register("Tess Example", born(s.ctx.clock, 11), by="Office")
        first = audit.checkpoint()
        s.children.register("Tom Example", born(s.ctx.clock, 11), by="Office")
        audit.checkpoint()
        assert audit.verify() == []

        bundle = tmp_path / "bundle"
        summary = audit.export(bundle)
        assert summary["timestamps"] == summary["checkpoints"] == 2
        body = tmp_path / "body.txt"
        body.write_bytes(first.body())
        done = subprocess.run(
            [
                *("openssl", "ts", "-verify", "-data", str(body)),
                *("-in", str(bundle / "checkpoints" / "0001.tsr"), "-CAfile", str(ca)),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Verification: OK" in done.stdout

        # A token swapped onto another checkpoint does not vouch for it.
        with audit.db.transaction() as tx:
            rows = tx.fetchall("SELECT seq, response FROM integrity_timestamps ORDER BY seq")
            tx.execute(
                "UPDATE integrity_timestamps SET response = ? WHERE seq = ?",
                (rows[1][1], rows[0][0]),
            )
        problems = audit.verify()
        assert [(p.kind, p.message.split(":")[0]) for p in problems] == [
            (CHECKPOINT_TIMESTAMP, f"checkpoint 1 (size {first.size})")
        ]
    finally:
        s.close()


def test_a_tsa_answering_for_other_data_is_refused(tsa: tuple[str, Path]) -> None:
    url, _ = tsa
    token = request_timestamp(url, b"checkpoint body\n")
    assert token
    with pytest.raises(TimestampError):
        request_timestamp("http://127.0.0.1:9/tsa", b"nobody listens on the discard port")
