"""A call that loses a race with another writer is told so as problem+json (409), never a bare
500: nothing of it was saved, and reading the record again is the way on."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from domain.errors import RecordChanged
from safeshare.entrypoints.api.problems import MEDIA_TYPE, install


def test_a_record_changed_by_someone_else_while_saving_is_a_409_problem() -> None:
    api = FastAPI()
    install(api)

    @api.post("/concerns")
    def raise_concern() -> None:
        raise RecordChanged("recording the use of this token")

    response = TestClient(api).post("/concerns")

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert body["rule"] == "record-changed"
    assert "the case changed while you were recording the use of this token" in body["detail"]
