"""One typed settings object, read once at the edge (environment variables `SAFESHARE_*`)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where a school's records live and how they are protected.

    The embedded default keeps everything under `data` (SQLite files and key files). Setting
    `database_url` moves the event store, key store and projections to PostgreSQL, in schemas
    named after the school (one tenant per school).
    """

    model_config = SettingsConfigDict(env_prefix="SAFESHARE_", extra="ignore")

    data: Path = Field(default=Path("var"), description="data folder")
    database_url: str | None = Field(
        default=None, description="postgresql://user@host:port/dbname; SQLite when unset"
    )
    school: str = Field(default="oaklands", description="the tenant: a short slug for the school")
    school_name: str = Field(default="Oaklands School")
    kek_file: Path | None = Field(default=None, description="key-encryption key file")
    cipher_key_file: Path | None = Field(default=None, description="event store cipher key file")
    tls_ca_file: Path | None = Field(default=None, description="trust store for agency TLS")
    dsl_email: str | None = Field(default=None, description="where escalation alerts go")
    broker_url: str | None = Field(default=None, description="amqp://...; embedded when unset")
    school_closures: list[date] = Field(
        default_factory=list,
        description=(
            "days the school is closed besides weekends and bank holidays (INSET days, "
            'holidays between terms), as a JSON list: ["2026-12-21", ...]; school days '
            "exclude them (DESIGN.md, Timeliness standards)"
        ),
    )

    @field_validator("school")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", value):
            msg = "must be a lower-case slug of letters, digits and underscores"
            raise ValueError(msg)
        return value

    @property
    def keys_dir(self) -> Path:
        return self.data / "keys"

    @property
    def kek_path(self) -> Path:
        return self.kek_file or self.keys_dir / "kek.key"

    @property
    def cipher_key_path(self) -> Path:
        return self.cipher_key_file or self.keys_dir / "event-store.key"

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url)

    @property
    def events_db(self) -> Path:
        return self.data / "events.sqlite"

    @property
    def keystore_db(self) -> Path:
        return self.data / "keystore.sqlite"

    @property
    def projections_db(self) -> Path:
        return self.data / "projections.sqlite"

    @property
    def pg_schema(self) -> str:
        return f"school_{self.school}"
