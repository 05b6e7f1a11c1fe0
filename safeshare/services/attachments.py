"""Attaching a file to a concern and reading it back: checked by content, size-limited,
sealed with the child's key, stored outside the event store with its hash in the event."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.attachment import Attachment, MediaType, check_size, media_type_of
from domain.concern import Concern
from domain.errors import InvalidValue
from domain.sealed import Sealed
from safeshare.adapters.attachment_store import AttachmentStore
from safeshare.adapters.case_index import ATTACHMENTS_OF_CONCERN
from safeshare.adapters.sealing import ERASED, TAMPERED
from safeshare.services.context import Context
from safeshare.validation import required_text

FIELD = "attachment.content"


@dataclass(frozen=True)
class AttachmentRow:
    attachment_id: str
    filename: str
    media_type: str
    size_kb: int
    added_by: str


@dataclass(frozen=True)
class AttachmentFile:
    attachment_id: str
    concern_id: UUID
    media_type: MediaType
    content: bytes


class AttachmentService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = AttachmentStore(ctx.settings.data / "attachments")

    def add(self, concern: Concern, filename: str, content: bytes, by: str) -> UUID:
        self.ctx.check_live(concern)
        check_size(len(content), self.ctx.settings.attachment_max_bytes)
        kind = media_type_of(content)
        name = required_text("file", filename or "attachment", 200)
        attachment_id = uuid4()
        seal = self.ctx.sealer
        sealed = seal.seal(concern.child_id, FIELD, base64.b64encode(content).decode("ascii"))
        stored = f"{sealed.field}\n{sealed.token}".encode("ascii")
        digest = self.store.put(attachment_id, stored)
        self.ctx.app.save(
            Attachment(
                concern_id=concern.id,
                child_id=concern.child_id,
                filename=seal.seal(concern.child_id, "attachment.filename", name),
                media_type=kind.value,
                size=len(content),
                stored_sha256=digest,
                added_by=by,
                id=attachment_id,
            )
        )
        return attachment_id

    def rows(self, concern_id: UUID) -> list[AttachmentRow]:
        rows = []
        # the case index: this concern's attachments, not every attachment in the log
        for attachment_id in self.ctx.app.index.records_keyed(
            ATTACHMENTS_OF_CONCERN, concern_id.hex
        ):
            a = self.ctx.app.find(attachment_id, Attachment)
            if a is None or a.concern_id != concern_id:
                continue
            rows.append(
                AttachmentRow(
                    str(a.id),
                    self.ctx.sealer.unseal(a.child_id, a.filename) or ERASED,
                    a.media_type.value,
                    max(1, a.size // 1024),
                    a.added_by,
                )
            )
        return rows

    def attachment(self, attachment_id: str) -> Attachment | None:
        try:
            return self.ctx.app.find(UUID(attachment_id), Attachment)
        except ValueError:
            return None

    def open(self, a: Attachment) -> AttachmentFile:
        """The file as attached, once its stored hash matches the event's and it unseals."""
        stored = self.store.get(a.id)
        if stored is None or not hmac.compare_digest(
            hashlib.sha256(stored).hexdigest(), a.stored_sha256
        ):
            raise InvalidValue("attachment", "the stored file is missing or was altered")
        field, _, token = stored.decode("ascii").partition("\n")
        text = self.ctx.sealer.unseal(a.child_id, Sealed(field, token))
        if text is None or text in (ERASED, TAMPERED) or field != FIELD:
            raise InvalidValue("attachment", "this file has been erased")
        try:
            content = base64.b64decode(text, validate=True)
        except ValueError:
            raise InvalidValue("attachment", "the stored file does not unseal") from None
        return AttachmentFile(str(a.id), a.concern_id, a.media_type, content)
