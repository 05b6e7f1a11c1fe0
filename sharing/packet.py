"""Render a referral packet: a MIME document with a readable text part and a JSON part.

Only the fields the share allows are ever turned into JSON values, and the text part is rendered
from that minimised JSON document, so the two parts cannot disagree and neither can carry more
than the recipient needs (policy, "Necessary and proportionate": "Not sharing more data than is
necessary to be of use").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cache
from typing import Any

import jinja2

from domain.packet_fields import PacketField
from domain.visible_text import visible_value
from sharing.errors import InadequatePacket
from sharing.packet_content import PacketContent

SCHEMA = "safeshare.referral/1"
FACT_LABEL = "FACT"
OPINION_LABEL = "OPINION (the referrer's view, not established fact)"
HISTORICAL_LABEL = "historical: this is about the past, not the present"

Json = Any
"""A value `json.dumps` accepts; the schema is documented in docs/agency.md."""

F = PacketField


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


_FIELD_VALUES: dict[PacketField, Callable[[PacketContent], Json]] = {
    F.CHILD_NAME: lambda c: c.child.name,
    F.CHILD_DOB: lambda c: None if c.child.dob is None else c.child.dob.isoformat(),
    F.CHILD_ADDRESS: lambda c: c.child.address,
    F.CHILD_SCHOOL: lambda c: c.child.school,
    F.CHILD_UPN: lambda c: c.child.upn,
    F.CHILD_NHS_NUMBER: lambda c: c.child.nhs_number,
    F.HOUSEHOLD: lambda c: [
        {"name": m.name, "relationship": m.relationship, "note": m.note} for m in c.household
    ],
    F.REFERRER: lambda c: (
        None
        if c.referrer is None
        else {"name": c.referrer.name, "role": c.referrer.role, "contact": c.referrer.contact}
    ),
    F.CONSENT: lambda c: {
        "status": c.consent.status,
        "from_whom": c.consent.from_whom,
        "reason": c.consent.reason,
    },
    F.LAWFUL_BASIS: lambda c: (
        None
        if c.lawful_basis is None
        else {
            "article6": c.lawful_basis.article6,
            "article9": c.lawful_basis.article9,
            "justification": c.lawful_basis.justification,
        }
    ),
    F.CATEGORY: lambda c: c.category,
    F.FACTS: lambda c: [{"text": f.text, "historical": f.historical} for f in c.facts],
    F.OPINION: lambda c: c.opinion,
    F.OBSERVED_AT: lambda c: _iso(c.observed_at),
    F.RISK: lambda c: {
        "immediate_risk": c.risk.immediate_risk,
        "crime_suspected": c.risk.crime_suspected,
        "reasoning": c.risk.reasoning,
    },
    F.PROFESSIONALS: lambda c: [
        {"name": p.name, "role": p.role, "organisation": p.organisation, "contact": p.contact}
        for p in c.professionals
    ],
    F.ACTIONS_TAKEN: lambda c: list(c.actions_taken),
    F.CHRONOLOGY: lambda c: [
        {"date": e.occurred_on.isoformat(), "summary": e.summary} for e in c.chronology
    ],
    F.ALLEGATION: lambda c: (
        None
        if c.allegation is None
        else {
            "about": c.allegation.about,
            "about_headteacher": c.allegation.about_headteacher,
            "case_manager_role": c.allegation.case_manager_role,
            "case_manager": c.allegation.case_manager,
        }
    ),
}
assert set(_FIELD_VALUES) == set(PacketField), "every packet field needs a JSON rendering"


def packet_document(content: PacketContent, fields: frozenset[PacketField]) -> dict[str, Json]:
    """The JSON document: the envelope, always, and `content` holding exactly `fields`.

    Refuses a packet without facts, or with an empty list of them (policy, "Adequate":
    "Information should be adequate for its purpose.").
    """
    if PacketField.FACTS not in fields or not content.facts:
        raise InadequatePacket("A packet must carry the facts of the concern.")
    return {
        "schema": SCHEMA,
        "packet_id": content.packet_id,
        "referral_id": content.referral_id,
        "recipient_id": content.recipient_id,
        "recipient_name": content.recipient_name,
        "school": content.school,
        "issued_at": _iso(content.issued_at),
        "urgency": "urgent" if content.urgent else "routine",
        "purpose": content.purpose,
        "content": {str(f): _FIELD_VALUES[f](content) for f in sorted(fields)},
    }


@cache
def _template() -> jinja2.Template:
    """Compiled once per process: rendering is on the sealing hot path."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sharing", "templates"),
        autoescape=False,
        finalize=visible_value,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("packet.txt.j2")


def render_text(document: dict[str, Json]) -> str:
    """The human-readable part, rendered from the minimised document only."""
    return _template().render(
        doc=document,
        content=document["content"],
        fact_label=FACT_LABEL,
        opinion_label=OPINION_LABEL,
        historical_label=HISTORICAL_LABEL,
    )


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def build_packet(content: PacketContent, fields: frozenset[PacketField]) -> bytes:
    """A multipart/mixed MIME document: text/plain (for people), application/json (for systems).

    Both parts use `Content-Transfer-Encoding: binary`: the document travels only inside a CMS
    structure signed and encrypted in binary mode, never as bare mail. Output is deterministic:
    the same content and fields always give the same bytes.
    """
    document = packet_document(content, fields)
    json_bytes = json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    text_bytes = _crlf(render_text(document))
    boundary = "=_safeshare_" + hashlib.sha256(text_bytes + json_bytes).hexdigest()[:40]
    delimiter = b"\r\n--" + boundary.encode("ascii")
    return b"".join(
        (
            b"MIME-Version: 1.0\r\n",
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii"),
            b"This is a safeshare referral packet in MIME format.",
            delimiter,
            b"\r\nContent-Type: text/plain; charset=utf-8"
            b"\r\nContent-Transfer-Encoding: binary"
            b"\r\nContent-Disposition: inline\r\n\r\n",
            text_bytes,
            delimiter,
            b"\r\nContent-Type: application/json"
            b"\r\nContent-Transfer-Encoding: binary"
            b'\r\nContent-Disposition: attachment; filename="referral.json"\r\n\r\n',
            json_bytes,
            delimiter,
            b"--\r\n",
        )
    )


def packet_sha256(mime_bytes: bytes) -> str:
    """The SHA-256 (hex) of a packet's MIME document exactly as `build_packet` built it: the
    entity the school signs, the content inside the CMS SignedData. Golden rule 7: "record what
    you have shared". It is the same for every send of a frozen packet (the signature and the
    encryption around it differ each time), and an agency recomputes it from what it received:
    `openssl cms -verify ... -out packet.mime && sha256sum packet.mime`."""
    return hashlib.sha256(mime_bytes).hexdigest()


def _parts(mime_bytes: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(mime_bytes)
    assert isinstance(message, EmailMessage)
    if message.get_content_type() != "multipart/mixed":
        raise ValueError("a referral packet is a multipart/mixed MIME document")
    return message


def _payload(message: EmailMessage, content_type: str) -> bytes:
    for part in message.iter_parts():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload
    raise ValueError(f"the referral packet has no {content_type} part")


def parse_packet(mime_bytes: bytes) -> dict[str, Json]:
    """The JSON document of a packet, for tests and agencies written in Python."""
    document = json.loads(_payload(_parts(mime_bytes), "application/json"))
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ValueError(f"the JSON part is not a {SCHEMA} document")
    return document


def packet_text(mime_bytes: bytes) -> str:
    """The readable text part of a packet."""
    return _payload(_parts(mime_bytes), "text/plain").decode("utf-8")
