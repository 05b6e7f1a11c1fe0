"""Errors a DSL would understand.

`PolicyRefusal` names the policy rule a command broke; `InvalidValue` names the field and
the problem. Both are raised before any event is triggered, so nothing is recorded.
"""

from __future__ import annotations


class SafeshareError(Exception):
    """Base of the domain's errors."""


class InvalidValue(SafeshareError):
    """A value a command was given is not acceptable (bad input, not a policy matter)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class PolicyRefusal(SafeshareError):
    """The Information Sharing Policy forbids this command as it stands."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} (policy: {rule})")
        self.rule = rule
        self.message = message


class RecordChanged(SafeshareError):
    """Someone else changed the record between reading it and saving this command: nothing of
    this command was saved; look at the record again and decide again."""

    def __init__(self, doing: str = "working on it") -> None:
        super().__init__(f"the case changed while you were {doing}; look again")


class ChildErased(PolicyRefusal):
    """The child's personal data has been erased; only retention and audit events remain."""


class ConcernClosed(PolicyRefusal):
    """The concern is closed."""
