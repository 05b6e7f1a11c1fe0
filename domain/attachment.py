"""A file attached to a concern: a photo of a note, a letter, a PDF from another agency.

Issue 13: "Attachments (PDF, JPEG, PNG; checked by content; size-limited; sealed with the
child's key, kept outside the event store with their hash in the event)". The event holds
the sealed file name and the SHA-256 of the sealed file as stored; never the content.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.sealed import Sealed
from domain.topics import stable_topics


class MediaType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[self.value]


_SIGNATURES: tuple[tuple[bytes, MediaType], ...] = (
    (b"%PDF-", MediaType.PDF),
    (b"\xff\xd8\xff", MediaType.JPEG),
    (b"\x89PNG\r\n\x1a\n", MediaType.PNG),
)


def media_type_of(content: bytes) -> MediaType:
    """What a file is, from its first bytes (never from its name or the browser's word)."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    raise InvalidValue("file", "must be a PDF, JPEG or PNG file")


def check_size(size: int, limit: int) -> None:
    if size == 0:
        raise InvalidValue("file", "is empty")
    if size > limit:
        raise InvalidValue("file", f"must be smaller than {limit // (1024 * 1024)} MB")


class Attachment(CheapCopy, Aggregate):
    class Added(Aggregate.Created):
        TOPIC = "safeshare:attachment:added"
        concern_id: UUID
        child_id: UUID
        filename: Sealed
        media_type: str
        size: int
        stored_sha256: str
        added_by: str

    @event(Added)
    def __init__(
        self,
        id: UUID,
        concern_id: UUID,
        child_id: UUID,
        filename: Sealed,
        media_type: str,
        size: int,
        stored_sha256: str,
        added_by: str,
    ) -> None:
        self.concern_id = concern_id
        self.child_id = child_id
        self.filename = filename
        self.media_type = MediaType(media_type)
        self.size = size
        self.stored_sha256 = stored_sha256
        self.added_by = added_by


stable_topics(Attachment, "safeshare:attachment")
