"""The body map: where on a child's body an injury was seen, as named regions.

Issue 13: "front and back outlines where staff mark where an injury was seen, each mark a
named body region ... with a short description, sealed like any personal data". A region is
a code (stored in events) with the words a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class BodyRegion(StrEnum):
    FRONT_HEAD = "front-head"
    FRONT_NECK = "front-neck"
    FRONT_CHEST = "front-chest"
    FRONT_ABDOMEN = "front-abdomen"
    FRONT_LEFT_ARM = "front-left-arm"
    FRONT_RIGHT_ARM = "front-right-arm"
    FRONT_LEFT_HAND = "front-left-hand"
    FRONT_RIGHT_HAND = "front-right-hand"
    FRONT_GROIN = "front-groin"
    FRONT_LEFT_LEG = "front-left-leg"
    FRONT_RIGHT_LEG = "front-right-leg"
    FRONT_LEFT_FOOT = "front-left-foot"
    FRONT_RIGHT_FOOT = "front-right-foot"
    BACK_HEAD = "back-head"
    BACK_NECK = "back-neck"
    BACK_UPPER = "back-upper"
    BACK_LOWER = "back-lower"
    BACK_LEFT_ARM = "back-left-arm"
    BACK_RIGHT_ARM = "back-right-arm"
    BACK_BUTTOCKS = "back-buttocks"
    BACK_LEFT_LEG = "back-left-leg"
    BACK_RIGHT_LEG = "back-right-leg"

    @property
    def side(self) -> str:
        return "front" if self.value.startswith("front-") else "back"

    @property
    def label(self) -> str:
        """The child's left and right, as on any body map."""
        side, _, part = self.value.partition("-")
        words = part.replace("-", " ")
        words = words.replace("upper", "upper back").replace("lower", "lower back")
        if words == "head" and side == "back":
            words = "back of head"
        if words == "neck" and side == "back":
            words = "back of neck"
        if side == "back" and ("arm" in words or "leg" in words):
            words = words + " (back)"
        return words[:1].upper() + words[1:]
