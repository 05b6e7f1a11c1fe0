"""Passwords reach safeshare from secret files (Docker's /run/secrets), never from the
environment: one file a setting, named like its variable in lower case."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshare.settings import Settings


def test_a_setting_is_read_from_its_secret_file_when_a_secrets_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "safeshare_database_url").write_text("postgresql://app:s3cret@db:5432/ss\n")
    (tmp_path / "safeshare_metrics_token").write_text("a-token\n")
    monkeypatch.delenv("SAFESHARE_DATABASE_URL", raising=False)
    monkeypatch.delenv("SAFESHARE_METRICS_TOKEN", raising=False)
    assert Settings().database_url is None

    monkeypatch.setenv("SAFESHARE_SECRETS_DIR", str(tmp_path))
    settings = Settings()
    assert settings.database_url == "postgresql://app:s3cret@db:5432/ss"
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "a-token"
    assert "a-token" not in repr(settings)

    monkeypatch.setenv("SAFESHARE_DATABASE_URL", "postgresql://env@db/ss")
    assert Settings().database_url == "postgresql://env@db/ss", "the environment comes first"
