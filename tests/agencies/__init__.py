"""Test agencies: real SMTP and HTTPS servers on loopback that stand in for MASH, social care
and the police in integration tests.

Use them in-process (`SmtpAgency(...).start()`, or the fixtures in `tests.agencies.fixtures`)
or as a separate process that a test can kill or outlive
(`python -m tests.agencies smtp --port P --cert PEM --record-dir DIR`; see
`tests.agencies.process`).
"""

from tests.agencies.certs import AGENCY_HOST, AgencyPki, free_port, make_pki
from tests.agencies.https import HttpsAgency, ReceivedPost, read_recorded_posts
from tests.agencies.process import AgencyProcess
from tests.agencies.smtp import ReceivedMail, SmtpAgency, read_recorded_mail

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
