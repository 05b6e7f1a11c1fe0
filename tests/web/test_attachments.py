"""Files attached to a concern: checked by content, size-limited, sealed with the child's key
and kept outside the event store; read back only by those who may read the case."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import httpx
from fastapi import FastAPI

from domain.access import AccessLog
from domain.attachment import Attachment
from safeshare.services.school import Safeshare
from tests.web.conftest import People
from tests.web.support import Browser, raise_concern, text_of

CANARY = b"quixotic-canary-pixels"
PNG = b"\x89PNG\r\n\x1a\n" + CANARY + b"\x00" * 64


def attach(b: Browser, concern_id: str, name: str, content: bytes) -> httpx.Response:
    b.get(f"/concerns/{concern_id}")
    r = b.client.post(
        f"/concerns/{concern_id}/attachments",
        data={"csrf_token": b.csrf()},
        files={"file": (name, content, "application/octet-stream")},
    )
    return b.follow(r)


def attachments_recorded(school: Safeshare) -> int:
    return len(
        school.app.recorder.select_notifications(
            start=None, limit=100, topics=[Attachment.Added.TOPIC]
        )
    )


def test_a_photo_attached_by_the_raiser_is_sealed_at_rest_and_read_back_by_the_dsl(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id)
    page = text_of(attach(staff, concern_id, "ben-arm <photo>.png", PNG).text)
    assert "File attached." in page
    assert "ben-arm &lt;photo&gt;.png (image/png, 1 KB, added by Ms Green" in page

    stored = list(Path(web_school.settings.data / "attachments").iterdir())
    assert len(stored) == 1
    assert CANARY not in stored[0].read_bytes() and b"ben-arm" not in stored[0].read_bytes()
    for db in Path(web_school.settings.data).glob("*.sqlite"):
        assert CANARY not in db.read_bytes()

    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    case = dsl.get(f"/concerns/{concern_id}").text
    attachment_id = case.split('href="/attachments/', 1)[1].split('"', 1)[0]
    r = dsl.get(f"/attachments/{attachment_id}")
    assert r.status_code == 200
    assert r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith('attachment; filename="attachment-')
    assert r.headers["cache-control"] == "no-store"
    views = [
        (getattr(e, "viewer", ""), getattr(e, "action", ""))
        for e in web_school.app.events.get(AccessLog.create_id(UUID(attachment_id)))
    ]
    assert ("Mrs Dee <dee@school.test> (web)", "attachment download") in views

    other = Browser(app, web_school)
    other.sign_in(people.other_staff)
    assert other.get(f"/attachments/{attachment_id}").status_code == 404

    dsl.get(f"/children/{child_id}/erase")
    dsl.post(f"/children/{child_id}/erase", {"reason": "retention-ended", "confirm": "yes"})
    assert dsl.get(f"/attachments/{attachment_id}").status_code == 404


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_whatever_its_name(
    app: FastAPI, web_school: Safeshare, people: People, child_id: str
) -> None:
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id)
    r = attach(staff, concern_id, "photo.png", b"MZ\x90\x00 not really a picture")
    assert "<title>Error: " in r.text
    assert "The file must be a PDF, JPEG or PNG file" in r.text
    assert 'href="#file"' in r.text
    web_school.ctx.settings.attachment_max_bytes = 32
    r = attach(staff, concern_id, "big.png", PNG)
    assert "The file must be smaller than" in r.text
    assert attachments_recorded(web_school) == 0
