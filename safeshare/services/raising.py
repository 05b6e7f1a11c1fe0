"""What a member of staff adds when raising a concern, beside facts and opinion."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.body_map import BodyRegion
from domain.concern import Concern
from safeshare.adapters.sealing import Sealer
from safeshare.validation import code, optional_text, required_text

MAX_MARK_NOTE = 500


@dataclass(frozen=True)
class RaisingDetails:
    """The child's own words (verbatim), where, who else was present, body-map marks
    (region code, short description), and the account that raised the concern."""

    child_words: str | None = None
    location: str | None = None
    others_present: str | None = None
    body_marks: list[tuple[str, str]] = field(default_factory=list)
    raised_by_account: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.child_words
            or self.location
            or self.others_present
            or self.body_marks
            or self.raised_by_account
        )

    def record_on(self, concern: Concern, seal: Sealer, by: str) -> None:
        """Validate, seal with the child's key, and record on the new concern."""
        cid = concern.child_id
        marks = [
            (
                code("body-map-region", region, BodyRegion),
                seal.seal(
                    cid,
                    "concern.body_mark",
                    required_text("body-map-description", note, MAX_MARK_NOTE),
                ),
            )
            for region, note in self.body_marks
        ]
        concern.record_details(
            child_words=seal.seal_optional(
                cid, "concern.child_words", optional_text("child-words", self.child_words)
            ),
            location=seal.seal_optional(
                cid, "concern.location", optional_text("location", self.location, 500)
            ),
            others_present=seal.seal_optional(
                cid,
                "concern.others_present",
                optional_text("others-present", self.others_present, 500),
            ),
            body_marks=marks,
            raised_by_account=self.raised_by_account,
            recorded_by=by,
        )
