"""pytest fixtures for the loopback agencies (`safeshare.demo.agencies`), re-exported by
`tests/integration/conftest.py`.

The CAs are made once per session (key generation is the slow part); each test gets its own
freshly started agencies so one test's failure modes never leak into the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safeshare.demo.agencies.certs import AgencyPki, make_pki
from safeshare.demo.agencies.https import HttpsAgency
from safeshare.demo.agencies.smtp import SmtpAgency
from sharing.channels import TlsSettings


@pytest.fixture(scope="session")
def agency_pki(tmp_path_factory: pytest.TempPathFactory) -> AgencyPki:
    """The CA the school trusts (its PEM is what `SAFESHARE_TLS_CA_FILE` names) and the
    agencies' server certificate."""
    return make_pki(tmp_path_factory.mktemp("pki"), "agency")


@pytest.fixture(scope="session")
def rogue_pki(tmp_path_factory: pytest.TempPathFactory) -> AgencyPki:
    """A second CA the school does not trust: a server presenting its certificate is an
    impostor as far as the channels are concerned."""
    return make_pki(tmp_path_factory.mktemp("rogue-pki"), "rogue")


@pytest.fixture
def tls_settings(agency_pki: AgencyPki) -> TlsSettings:
    """Channel TLS settings trusting only the agencies' CA, with a short timeout for tests."""
    return TlsSettings(ca_file=agency_pki.ca_file, timeout_seconds=5.0)


@pytest.fixture
def smtp_agency(agency_pki: AgencyPki, tmp_path: Path) -> Iterator[SmtpAgency]:
    """A running agency mail server (STARTTLS required) recording to `tmp_path/smtp`."""
    agency = SmtpAgency(agency_pki.server_context(), record_dir=tmp_path / "smtp")
    with agency:
        yield agency


@pytest.fixture
def https_agency(agency_pki: AgencyPki, tmp_path: Path) -> Iterator[HttpsAgency]:
    """A running agency HTTPS endpoint recording to `tmp_path/https`."""
    agency = HttpsAgency(agency_pki.server_context(), record_dir=tmp_path / "https")
    with agency:
        yield agency
