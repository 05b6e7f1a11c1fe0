"""Witnesses by email (`SAFESHARE_WITNESS_EMAILS`): an auditor without a server keeps copies.

A mailbox cannot cosign, but a copy of each signed checkpoint kept outside the school is what
`audit verify --checkpoint FILE` checks the store against: a history rewritten and re-signed
since no longer matches the copy. Each new checkpoint goes once to each address (recorded in
`witness_mailed`, projections database) through the school's SMTP relay with STARTTLS, with the
signed erasure tombstones (ids only) beside it. Nothing in the mail identifies a child.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from projections.checkpoint import Checkpoint
from projections.db import ProjectionDb, Tx
from safeshare.adapters.channels import smtp_channel
from safeshare.settings import Settings
from sharing.channels.base import DeliveryError

log = logging.getLogger("safeshare.audit")


def _create(tx: Tx) -> None:
    tx.execute(
        "CREATE TABLE IF NOT EXISTS witness_mailed (address TEXT NOT NULL, size BIGINT NOT "
        "NULL, PRIMARY KEY (address, size))"
    )


def checkpoint_mail(
    cp: Checkpoint, text: str, tombstones: str, settings: Settings, to: str
) -> EmailMessage:
    """CRLF line ends (SMTP policy): a mail server reads bare LFs as one over-long line."""
    school = settings.school_name
    m = EmailMessage(policy=SMTP)
    m["From"] = settings.smtp_sender
    m["To"] = to
    m["Date"] = formatdate(usegmt=True)
    m["Message-ID"] = make_msgid(domain="safeshare.invalid")
    m["Subject"] = f"safeshare checkpoint: {cp.origin} size {cp.size}"
    m.set_content(
        f"{school}'s safeguarding record signed this checkpoint of its history. Please keep "
        "this message: it is a copy outside the school. An auditor checks the school's record "
        "against it with\n\n    safeshare audit verify --checkpoint checkpoint.txt\n\n"
        "and a history rewritten since would not match it. The attached tombstones are the ids "
        "of the children whose records were erased (ids only; no personal data).\n\n"
        f"{text}"
    )
    for name, content in (("checkpoint.txt", text), ("tombstones.txt", tombstones)):
        m.add_attachment(content, subtype="plain", filename=name, cte="quoted-printable")
    return m


def mail_checkpoint(
    settings: Settings, db: ProjectionDb, cp: Checkpoint, text: str, tombstones: str
) -> list[tuple[str, str, str]]:
    """Mail the checkpoint to each address that has not had it; (address, outcome, detail)
    with the outcomes of `witnessing.py` ("sent", "unreachable")."""
    answers = []
    for address in settings.witness_addresses:
        with db.transaction() as tx:
            _create(tx)
            done = tx.fetchone(
                "SELECT 1 FROM witness_mailed WHERE address = ? AND size = ?", (address, cp.size)
            )
        if done is not None:
            continue
        message = checkpoint_mail(cp, text, tombstones, settings, address)
        try:
            receipt = smtp_channel(settings).send_notice(address, message)
        except DeliveryError as e:
            log.warning("checkpoint of size %d not mailed to a witness: %s", cp.size, e)
            answers.append((address, "unreachable", str(e)))
            continue
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO witness_mailed (address, size) VALUES (?, ?)", (address, cp.size)
            )
        answers.append((address, "sent", receipt.receipt[:100]))
    return answers
