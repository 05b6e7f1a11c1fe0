"""Finding 4, first part: the audit signing key is not kept in the data folder in production
(with write access to the data folder one could rewrite the history and re-sign it)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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


def _fresh_school(template: Path, tmp_path: Path, **kwargs: Any) -> Settings:
    from harness.schools import copy_identity
    from safeshare.entrypoints.initialise import initialise
    from tests.support import FakeClock

    settings = Settings(data=tmp_path / "var", **kwargs)
    copy_identity(template, settings.data)
    initialise(settings, FakeClock())
    return settings


def test_the_embedded_default_warns_at_start_up_not_only_when_signing(
    identity_template: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safeshare.adapters import audit_key
    from safeshare.bootstrap import build
    from tests.support import FakeClock

    settings = _fresh_school(identity_template, tmp_path)
    monkeypatch.setattr(audit_key, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="safeshare.audit"):
        build(settings, FakeClock()).close()
    assert any("inside the data folder" in r.getMessage() for r in caplog.records)


def test_an_audit_key_kept_outside_the_data_folder_starts_without_a_warning(
    identity_template: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from safeshare.adapters import audit_key
    from safeshare.bootstrap import build
    from tests.support import FakeClock

    outside = tmp_path / "audit-key"
    outside.mkdir()
    for name in ("audit-ed25519.pem", "audit-ed25519.pub.pem"):
        if (identity_template / "keys" / name).exists():
            shutil.copy(identity_template / "keys" / name, outside / name)
    monkeypatch.setattr(audit_key, "_warned", set())
    settings = _fresh_school(
        identity_template, tmp_path, audit_key_file=outside / "audit-ed25519.pem"
    )
    with caplog.at_level(logging.WARNING, logger="safeshare.audit"):
        build(settings, FakeClock()).close()
        load_audit_key(settings)
    assert not any("inside the data folder" in r.getMessage() for r in caplog.records)
