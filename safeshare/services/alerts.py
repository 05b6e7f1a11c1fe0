"""Mail the school writes to its own DSLs: ids, codes and a link, never personal data."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

PORTAL_UPLOAD = "portal-upload"
"""Escalation reason: the agency cannot open encrypted mail, so the DSL uploads the packet to
its portal (`domain.directory.referred_through_portal`); it is never mailed in plain text."""


def portal_upload_instructions(referral_id: str, portal: str) -> str:
    """What the DSL does for an agency whose mailbox cannot hold a certificate."""
    return (
        f"Referral {referral_id} is not sent by mail: the agency cannot open encrypted mail.\n"
        "Export the sealed packet and upload it to the agency's portal yourself:\n"
        f"  safeshare referral packet {referral_id} --out referral.p7m --by <your name>\n"
        f"  then upload referral.p7m at {portal}\n"
        "Never send the referral as a plain-text mail instead.\n"
    )


def escalation_alert(
    sender: str, to: str, referral_id: str, reason: str, portal: str | None = None
) -> EmailMessage:
    """A referral that could not be delivered needs the DSL (the worklist has the rest); one
    for an agency that takes referrals through `portal` says how to upload it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Safeguarding referral {referral_id} ESCALATED ({reason})"
    message["Message-ID"] = make_msgid("alert", "safeshare")
    message["Date"] = formatdate(usegmt=True)
    message["X-Safeshare-Referral-Id"] = referral_id
    if reason == PORTAL_UPLOAD and portal is not None:
        message.set_content(portal_upload_instructions(referral_id, portal))
    else:
        message.set_content(
            f"Referral {referral_id} could not be delivered ({reason}) and needs you.\n"
            "See the worklist in safeshare; after fixing the agency, run\n"
            f"  safeshare referral retry {referral_id} --by <your name>\n"
        )
    return message
