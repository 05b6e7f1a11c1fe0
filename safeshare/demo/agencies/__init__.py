"""Test agencies: real SMTP and HTTPS servers on loopback that stand in for MASH, social care
and the police in integration tests.

Use them in-process (`SmtpAgency(...).start()`, or the fixtures in `tests/agency_fixtures.py`)
or as a separate process that a test can kill or outlive
(`python -m safeshare.demo.agencies smtp --port P --cert PEM --record-dir DIR`; see
`safeshare.demo.agencies.process`).
"""

from safeshare.demo.agencies.certs import AGENCY_HOST, AgencyPki, free_port, make_pki
from safeshare.demo.agencies.https import HttpsAgency, ReceivedPost, read_recorded_posts
from safeshare.demo.agencies.process import AgencyProcess
from safeshare.demo.agencies.smtp import ReceivedMail, SmtpAgency, read_recorded_mail

__all__ = [
    "AGENCY_HOST",
    "AgencyPki",
    "AgencyProcess",
    "HttpsAgency",
    "ReceivedMail",
    "ReceivedPost",
    "SmtpAgency",
    "free_port",
    "make_pki",
    "read_recorded_mail",
    "read_recorded_posts",
]
