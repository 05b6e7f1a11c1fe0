"""Two calls with one API token at once (a MIS's batch across two web workers) each record the
token's use, and two DSLs opening one case at once each have their view recorded: the store
refuses the second write to the same version, the service appends again after it, and the
refused write leaves the store working for every save after it, on SQLite and on PostgreSQL
(where the connection that met the conflict goes back to the pool).

Found by the `web-raise-concern` benchmark: the side table of event times was written before
the events, in the same pipeline, so its conflict aborted the pipeline before the library's
prepared statements were parsed, and the pooled connection then failed every later save with
"prepared statement does not exist"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import pytest

from domain.access import AccessLog
from domain.api_token import ApiToken
from domain.user import User
from safeshare.services.api_tokens import ApiTokenService
from safeshare.services.school import Safeshare


def test_calls_in_parallel_with_one_token_each_record_their_use(school: Safeshare) -> None:
    """Eight callers at once, ten calls each: none is refused, every use is in the token's uses
    log (a use that met another's write is appended again after it)."""
    school.accounts.add("Ms Green", "green@school.test", "staff", "a long passphrase", "set-up")
    tokens = ApiTokenService(school.ctx, school.accounts)
    issued = tokens.issue(User.create_id("green@school.test"), "MIS", "set-up")

    def caller(n: int) -> None:
        for _ in range(10):
            tokens.authenticate(issued.token, f"GET /worklist ({n})")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(caller, range(8)))
    token = school.app.get(UUID(issued.token_id), ApiToken)
    assert isinstance(token, ApiToken)
    assert tokens.uses_of(token) == 80


@pytest.mark.parametrize(
    ("readers", "reads"), [(8, 10), (24, 25)], ids=["eight-dsls", "twenty-four-readers"]
)
def test_people_opening_one_record_at_once_each_have_their_view_recorded(
    school: Safeshare, readers: int, reads: int
) -> None:
    """A web worker serves many requests at once: people open one case over and over. In one
    process they take turns at the case's access log, so none meets the others' writes round
    after round until its retries run out (the `web-case-page` benchmark's 20 clients on one
    case got "the case changed while you were recording the view")."""
    record = uuid4()

    def reader(n: int) -> None:
        for _ in range(reads):
            school.views.record_view(record, f"DSL {n} (web)", "concern show")

    with ThreadPoolExecutor(max_workers=readers) as pool:
        list(pool.map(reader, range(readers)))
    log = school.app.get(AccessLog.create_id(record), AccessLog)
    assert isinstance(log, AccessLog)
    assert log.views == readers * reads
