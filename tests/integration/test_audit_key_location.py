"""Finding 4, first part: the audit signing key is not kept in the data folder in production
(with write access to the data folder one could rewrite the history and re-sign it)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from safeshare.adapters.audit_key import load_audit_key
from safeshare.adapters.sealing import KeyFileError
from safeshare.settings import Settings
from tests.support import PG_URL


def test_production_refuses_an_audit_key_inside_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(data=tmp_path / "var", database_url=PG_URL, school="keyplace")
    with pytest.raises(KeyFileError, match="inside the data folder") as refused:
        load_audit_key(settings)
    assert str(settings.audit_key_path) in str(refused.value)
    assert "SAFESHARE_AUDIT_KEY_FILE" in str(refused.value)


def test_the_embedded_default_warns_that_the_audit_key_is_in_the_data_folder(
    identity_template: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeshare.adapters import audit_key

    monkeypatch.setattr(audit_key, "_warned", set())
    settings = Settings(data=identity_template)
    with caplog.at_level(logging.WARNING, logger="safeshare.audit"):
        load_audit_key(settings)
    assert any("inside the data folder" in r.getMessage() for r in caplog.records)
