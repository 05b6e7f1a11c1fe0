"""An agency's mail client, played by the real S/MIME tools: NSS (`cmsutil`, the library
Thunderbird uses) and OpenSSL (`openssl smime`).

The agency's key goes into a fresh NSS database with `pk12util`, and the school's CA is
trusted there for mail, as docs/agency.md tells an agency to do in Thunderbird.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

P12_PASSWORD = "agency-p12-password"
_STATUS = re.compile(r"signer0\.status=(\w+);")


def nss_tools_installed() -> bool:
    return all(shutil.which(tool) for tool in ("cmsutil", "pk12util", "certutil"))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, cwd=cwd, capture_output=True, check=False, timeout=60)


@dataclass(frozen=True)
class NssDecoded:
    """What `cmsutil -D` printed and wrote for one CMS message."""

    returncode: int
    content: bytes
    info: str
    """The `-h 2` report: for signed data, the line naming each signer and its status."""
    stderr: str

    @property
    def signer_status(self) -> str | None:
        found = _STATUS.search(self.info)
        return found.group(1) if found else None

    @property
    def status_line(self) -> str:
        return next((ln.strip() for ln in self.info.splitlines() if "status=" in ln), "")


class NssMailClient:
    """An NSS database holding the agency's key and trusting the school's CA for mail."""

    def __init__(self, folder: Path, agency_dir: Path, school_ca: Path) -> None:
        assert nss_tools_installed(), (
            "NSS tools missing: `make services` installs them (apt-get install -y libnss3-tools)"
        )
        self.folder = folder
        self.db = f"sql:{folder / 'nssdb'}"
        (folder / "nssdb").mkdir(parents=True)
        cert = x509.load_pem_x509_certificate((agency_dir / "agency-cert.pem").read_bytes())
        key = serialization.load_pem_private_key(
            (agency_dir / "agency-key.pem").read_bytes(), password=None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        p12 = folder / "agency.p12"
        p12.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"agency",
                key,
                cert,
                None,
                serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
            )
        )
        for step in (
            ["certutil", "-N", "-d", self.db, "--empty-password"],
            ["pk12util", "-i", str(p12), "-d", self.db, "-W", P12_PASSWORD],
            ["certutil", "-A", "-d", self.db, "-n", "school-ca", "-t", ",C,", "-i", str(school_ca)],
        ):
            done = _run(step, folder)
            assert done.returncode == 0, (step[0], done.stderr.decode(errors="replace"))

    def decode(self, der: bytes, name: str) -> NssDecoded:
        """`cmsutil -D`: decrypt enveloped data, or verify signed data and give its content."""
        source, out = self.folder / f"{name}.der", self.folder / f"{name}.out"
        source.write_bytes(der)
        out.unlink(missing_ok=True)
        # `-h` writes its report where the content goes, so report and content are two runs.
        report = _run(
            ["cmsutil", "-D", "-d", self.db, "-n", "-h", "2", "-i", str(source)], self.folder
        )
        done = _run(
            ["cmsutil", "-D", "-d", self.db, "-i", str(source), "-o", str(out)], self.folder
        )
        return NssDecoded(
            returncode=done.returncode,
            content=out.read_bytes() if out.exists() else b"",
            info=report.stdout.decode(errors="replace"),
            stderr=done.stderr.decode(errors="replace"),
        )


@dataclass(frozen=True)
class OpensslOpened:
    decrypt: subprocess.CompletedProcess[bytes]
    verify: subprocess.CompletedProcess[bytes] | None
    inner: bytes
    content: bytes

    @property
    def ok(self) -> bool:
        return self.decrypt.returncode == 0 and (
            self.verify is not None and self.verify.returncode == 0
        )


SMIME_DECRYPT = (
    "openssl smime -decrypt -in mail.eml -recip agency-cert.pem -inkey agency-key.pem "
    "-out inner.eml"
)
SMIME_VERIFY = "openssl smime -verify -in inner.eml -CAfile school-ca.pem -out packet.mime"
SIGNED_ENTITY = "openssl cms -cmsout -inform SMIME -in inner.eml -outform DER -out signed.der"
"""The commands docs/agency.md gives for a saved referral mail, word for word."""


def open_mail_with_openssl(
    folder: Path, mail: bytes, agency_dir: Path, school_ca: Path
) -> OpensslOpened:
    """The documented `openssl smime -decrypt` on the whole mail, then `openssl smime -verify`
    against the school's CA on what it decrypted to, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mail.eml").write_bytes(mail)
    for name in ("agency-cert.pem", "agency-key.pem"):
        shutil.copyfile(agency_dir / name, folder / name)
    if school_ca != folder / "school-ca.pem":
        shutil.copyfile(school_ca, folder / "school-ca.pem")
    for name in ("inner.eml", "packet.mime"):
        (folder / name).unlink(missing_ok=True)
    decrypt = _run(shlex.split(SMIME_DECRYPT), folder)
    if decrypt.returncode != 0:
        return OpensslOpened(decrypt, None, b"", b"")
    inner = (folder / "inner.eml").read_bytes()
    verify = _run(shlex.split(SMIME_VERIFY), folder)
    content = (folder / "packet.mime").read_bytes() if verify.returncode == 0 else b""
    return OpensslOpened(decrypt, verify, inner, content)
