"""A token used all day by the school's MIS, and a case opened by its DSLs every week for
years: each use and each read is recorded, and recording the next one costs what the first
did. It reads the newest record of the log, never the uses or reads before it, and the token a
request checks stays as small as the day it was issued (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.access import AccessLog
from domain.api_token import ApiToken, TokenUses
from domain.user import User
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.school import Safeshare

EARLIER = 300


@contextmanager
def records_read(school: Safeshare, log_id: UUID) -> Iterator[list[int]]:
    """How many of the log's records each read of the store returned, while inside."""
    recorder: Any = school.app.recorder
    plain = recorder.select_events
    counts: list[int] = []

    def counting(originator_id: UUID, **kwargs: Any) -> Any:
        found = plain(originator_id, **kwargs)
        if originator_id == log_id:
            counts.append(len(found))
        return found

    recorder.select_events = counting
    try:
        yield counts
    finally:
        recorder.select_events = plain


def test_a_tokens_next_use_reads_one_record_whatever_its_uses_before(
    school: Safeshare,
) -> None:
    school.accounts.add("Ms Green", "green@school.test", "staff", "a long passphrase", "set-up")
    tokens = ApiTokenService(school.ctx, school.accounts)
    issued = tokens.issue(User.create_id("green@school.test"), "MIS", "set-up")
    for n in range(EARLIER):
        tokens.authenticate(issued.token, f"GET /worklist ({n})")
    uses_log = TokenUses.create_id(UUID(issued.token_id))

    with records_read(school, uses_log) as counts:
        tokens.authenticate(issued.token, "GET /worklist (the last)")

    assert counts == [1]
    token = school.app.get(UUID(issued.token_id), ApiToken)
    assert token.version == 1  # only its issue: the token checked on each call stays small
    assert tokens.uses_of(token) == EARLIER + 1
    assert [row.uses for row in tokens.tokens_of(User.create_id("green@school.test"))] == [
        EARLIER + 1
    ]
    last = list(school.app.events.get(uses_log, desc=True, limit=1))
    assert [(e.originator_version, getattr(e, "what", None)) for e in last] == [
        (EARLIER + 1, "GET /worklist (the last)")
    ]


def test_a_token_from_before_the_uses_log_counts_the_uses_recorded_on_it(
    school: Safeshare,
) -> None:
    """Stores made before `TokenUses` hold uses on the token itself: still counted, still
    replayed, and the next use goes to the log."""
    school.accounts.add("Ms Green", "green@school.test", "staff", "a long passphrase", "set-up")
    tokens = ApiTokenService(school.ctx, school.accounts)
    issued = tokens.issue(User.create_id("green@school.test"), "MIS", "set-up")
    token = school.app.get(UUID(issued.token_id), ApiToken)
    token._used(what="GET /worklist (before the uses log)")  # as an earlier version recorded
    token._used(what="GET /me (before the uses log)")
    school.app.save(token)

    tokens.authenticate(issued.token, "GET /worklist")

    assert tokens.uses_of(school.app.get(UUID(issued.token_id), ApiToken)) == 3


@pytest.mark.parametrize("cached", [True, False], ids=["log-cached", "log-not-cached"])
def test_a_cases_next_read_is_appended_without_reading_the_reads_before(
    school: Safeshare, cached: bool
) -> None:
    record = uuid4()
    for n in range(EARLIER):
        school.views.record_view(record, f"DSL {n % 3} (web)", "concern show")
    log_id = AccessLog.create_id(record)
    if cached:  # someone read the log itself: the append must not leave that copy behind
        assert school.app.get(log_id, AccessLog).views == EARLIER

    with records_read(school, log_id) as counts:
        school.views.record_view(record, "Mrs Patel (web)", "concern show")

    assert counts == [1]
    log = school.app.get(log_id, AccessLog)
    assert (log.views, log.version) == (EARLIER + 1, EARLIER + 2)
    newest = next(iter(school.app.events.get(log_id, desc=True, limit=1)))
    assert isinstance(newest, AccessLog.RecordViewed)
    assert (newest.viewer, newest.timestamp) == ("Mrs Patel (web)", school.ctx.clock())
