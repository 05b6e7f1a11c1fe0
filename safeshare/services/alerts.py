"""Mail the school writes to its own DSLs: ids, codes and a link, never personal data."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def escalation_alert(sender: str, to: str, referral_id: str, reason: str) -> EmailMessage:
    """A referral that could not be delivered needs the DSL (the worklist has the rest)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Safeguarding referral {referral_id} ESCALATED ({reason})"
    message["Message-ID"] = make_msgid("alert", "safeshare")
    message["Date"] = formatdate(usegmt=True)
    message["X-Safeshare-Referral-Id"] = referral_id
    message.set_content(
        f"Referral {referral_id} could not be delivered ({reason}) and needs you.\n"
        "See the worklist in safeshare; after fixing the agency, run\n"
        f"  safeshare referral retry {referral_id} --by <your name>\n"
    )
    return message
