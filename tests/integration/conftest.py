"""Integration fixtures: the loopback agencies (real SMTP and HTTPS servers)."""

from tests.agency_fixtures import (
    agency_pki,
    https_agency,
    rogue_pki,
    smtp_agency,
    tls_settings,
)

__all__ = ["agency_pki", "https_agency", "rogue_pki", "smtp_agency", "tls_settings"]
