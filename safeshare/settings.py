"""One typed settings object, read once at the edge (environment variables `SAFESHARE_*`)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)


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
    pg_pool_size: int = Field(
        default=5, ge=1, description="the event store's PostgreSQL connections kept open"
    )
    pg_max_overflow: int = Field(
        default=35,
        ge=0,
        description=(
            "and how many more it may open under load. The web answers up to 40 requests at"
            " once a process (anyio's threadpool): 5 + 35 lets them all reach the store at once;"
            " with less, a request waits for a free connection (up to 30 s, the library's"
            " POSTGRES_CONNECT_TIMEOUT) rather than fail. Connections above the pool size are"
            " closed again once idle"
        ),
    )
    school: str = Field(default="oaklands", description="the tenant: a short slug for the school")
    school_name: str = Field(default="Oaklands School")
    kek_file: Path | None = Field(default=None, description="key-encryption key file")
    cipher_key_file: Path | None = Field(default=None, description="event store cipher key file")
    tls_ca_file: Path | None = Field(default=None, description="trust store for agency TLS")
    backup_key_file: Path | None = Field(
        default=None, description="the key the key store's backups are encrypted to"
    )
    tombstones_file: Path | None = Field(
        default=None,
        description=(
            "the erasure tombstones: one erased child's id a line, appended at every erasure and "
            "re-applied on restore; keep it outside the data folder (and its backups)"
        ),
    )
    dsl_email: str | None = Field(default=None, description="where escalation alerts go")
    broker_url: str | None = Field(default=None, description="amqp://...; embedded when unset")
    audit_key_file: Path | None = Field(
        default=None, description="the school's Ed25519 audit key (PEM) that signs checkpoints"
    )
    audit_log_origin: str | None = Field(
        default=None, description="the integrity log's name in its checkpoints (one word)"
    )
    checkpoint_every_events: int = Field(
        default=1000, ge=1, description="sign a checkpoint each time this many records are logged"
    )
    checkpoint_every_minutes: float = Field(
        default=60.0, gt=0, description="and when this long has passed since the last one"
    )
    witnesses: str = Field(
        default="",
        description=(
            "the school's witnesses (the local authority's or the trust's auditor): HTTPS base "
            "URLs, comma-separated; every signed checkpoint and erasure tombstone is sent to each"
        ),
    )
    witness_emails: str = Field(
        default="",
        description=(
            "witnesses by email (comma-separated addresses): each new checkpoint and the "
            "tombstones are mailed there through the school's SMTP relay, to be kept"
        ),
    )
    witness_ca_file: Path | None = Field(
        default=None, description="trust store (PEM) for the witnesses' HTTPS certificates"
    )
    tsa_url: str | None = Field(
        default=None, description="RFC 3161 timestamp authority that timestamps each checkpoint"
    )
    tsa_ca_file: Path | None = Field(
        default=None, description="the TSA's CA certificate (PEM): `audit verify` checks tokens"
    )

    # -- dispatch (workers/): how referrals leave the school --------------------------------
    smtp_host: str = Field(default="localhost", description="the school's outbound SMTP server")
    smtp_port: int = Field(default=587)
    smtp_sender: str = Field(default="safeguarding@school.invalid", description="From: address")
    smtp_username: str | None = Field(default=None, description="SMTP AUTH user (optional)")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP AUTH password (optional; never printed)"
    )
    queue_prefix: str = Field(
        default="", description="prefix for queue/exchange names (one deployment, many tests)"
    )
    dispatch_max_attempts: int = Field(default=8, ge=1, description="then escalate")
    dispatch_delivery_limit: int = Field(
        default=20,
        ge=1,
        description=(
            "RabbitMQ redeliveries of one message (a worker dying with it) before it is "
            "dead-lettered and its referral escalated; fixed when the queues are first declared"
        ),
    )
    urgent_deadline_seconds: float = Field(
        default=15 * 60, gt=0, description="urgent referral undelivered this long: escalate"
    )
    routine_deadline_seconds: float = Field(
        default=8 * 3600, gt=0, description="same working day, roughly: then escalate"
    )
    urgent_retry_base_seconds: float = Field(default=2.0, gt=0)
    urgent_retry_max_seconds: float = Field(default=60.0, gt=0)
    routine_retry_base_seconds: float = Field(default=60.0, gt=0)
    routine_retry_max_seconds: float = Field(default=30 * 60.0, gt=0)
    reconcile_after_seconds: float = Field(
        default=45 * 60,
        gt=0,
        description="a routine open referral untouched this long is re-enqueued (reconciler)",
    )
    urgent_reconcile_after_seconds: float = Field(
        default=3 * 60, gt=0, description="the same for urgent referrals"
    )
    reconcile_interval_seconds: float = Field(default=60.0, gt=0)
    channel_timeout_seconds: float = Field(default=30.0, gt=0)
    tls_client_cert: Path | None = Field(
        default=None, description="the school's client certificate, for agencies requiring mTLS"
    )
    tls_client_key: Path | None = Field(default=None, description="its private key")
    school_closures: list[date] = Field(
        default_factory=list,
        description=(
            "days the school is closed besides weekends and bank holidays (INSET days, "
            'holidays between terms), as a JSON list: ["2026-12-21", ...]; school days '
            "exclude them (DESIGN.md, Timeliness standards)"
        ),
    )

    # -- accounts and the web service (issue 13) ---------------------------------------------
    argon2_time_cost: int = Field(default=3, ge=1, description="argon2id passes")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory, KiB")
    argon2_parallelism: int = Field(default=4, ge=1, description="argon2id lanes")
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="a web session unused this long ends"
    )
    session_absolute_hours: float = Field(
        default=10.0, gt=0, description="a web session ends this long after sign-in, used or not"
    )
    cookie_secure: bool = Field(
        default=True, description="send the session cookie over HTTPS only (tests on http: false)"
    )
    web_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where the web pages are, for the links in DSL alerts",
    )
    alert_escalate_after_minutes: float = Field(
        default=15.0, gt=0, description="an urgent alert unacknowledged this long escalates"
    )
    alert_headteacher_after_minutes: float = Field(
        default=15.0,
        gt=0,
        description="still unacknowledged this long after the deputies were told, the "
        "headteacher is told",
    )
    headteacher_email: str | None = Field(
        default=None,
        description="who an urgent alert unacknowledged by the DSLs and their deputies "
        "escalates to last",
    )
    setup_link_hours: float = Field(
        default=24.0, gt=0, description="a one-time admin set-up link stops working after this"
    )
    api_token_days: float = Field(
        default=90.0, gt=0, description="an API token stops working this many days after it is made"
    )
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="the largest file a concern takes"
    )
    web_address_failures_per_minute: int = Field(
        default=30, ge=1, description="wrong passwords from one address per minute, then refused"
    )

    # -- observability (Prometheus) -----------------------------------------------------------
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description=(
            "serve /metrics on this port from the relay, a worker or the projection runner "
            "(off when unset); a prefork worker also needs PROMETHEUS_MULTIPROC_DIR"
        ),
    )
    metrics_address: str = Field(
        default="127.0.0.1", description="the address that /metrics binds (0.0.0.0 in a container)"
    )
    web_metrics: bool = Field(
        default=False,
        description=(
            "the web service answers /metrics (counts, lags and ages; no personal data): keep "
            "it off the public proxy, or set metrics_token"
        ),
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="if set, /metrics asks for `Authorization: Bearer <token>`"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then (when `SAFESHARE_SECRETS_DIR` names a folder,
        as Docker's `/run/secrets`) one file per setting named like its variable in lower
        case (`safeshare_database_url`): passwords never sit in the environment."""
        sources = [init_settings, env_settings, dotenv_settings]
        secrets_dir = os.environ.get("SAFESHARE_SECRETS_DIR")
        if secrets_dir:
            sources.append(SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir))
        return tuple(sources)

    @field_validator("school")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", value):
            msg = "must be a lower-case slug of letters, digits and underscores"
            raise ValueError(msg)
        return value

    @field_validator("witnesses")
    @classmethod
    def _witnesses(cls, value: str) -> str:
        for url in (u.strip() for u in value.split(",")):
            if url and not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", url):
                raise ValueError(f"{url!r} is not an HTTPS base URL (https://host[:port][/path])")
        return value

    @field_validator("witness_emails")
    @classmethod
    def _witness_emails(cls, value: str) -> str:
        for address in (a.strip() for a in value.split(",")):
            if address and not re.fullmatch(r"[^\s@,<>]+@[^\s@,<>]+", address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("audit_log_origin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^\s]{1,200}", value):
            msg = "must be one word (no spaces), as the first line of a checkpoint"
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
    def retired_cipher_keys_path(self) -> Path:
        """Earlier cipher keys, newest first, one a line: old events stay readable."""
        key = self.cipher_key_path
        return key.with_name(key.name + ".retired")

    @property
    def backup_key_path(self) -> Path:
        return self.backup_key_file or self.keys_dir / "backup.key"

    @property
    def tombstones_path(self) -> Path:
        """Outside the data folder by default (beside it), so that no restore of the data
        folder, nor of any store in it, can bring an erased child's id off the list."""
        if self.tombstones_file is not None:
            return self.tombstones_file
        data = self.data.absolute()
        return data.with_name(data.name + ".erasure-tombstones")

    @property
    def attachments_dir(self) -> Path:
        return self.data / "attachments"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.keys_dir / "audit-ed25519.pem"

    @property
    def audit_public_key_path(self) -> Path:
        """The public half beside the private key, for auditors and for `audit export`."""
        key = self.audit_key_path
        return key.with_name(key.stem + ".pub.pem")

    @property
    def audit_retired_public_keys_path(self) -> Path:
        """The audit keys used before a rotation (public halves, PEM, oldest first): every
        checkpoint they signed still verifies."""
        key = self.audit_key_path
        return key.with_name(key.stem + ".retired.pub.pem")

    @property
    def log_origin(self) -> str:
        """The log's name in checkpoints: per school, so two tenants' logs never match."""
        return self.audit_log_origin or f"safeshare/{self.school}/audit"

    @property
    def witness_urls(self) -> list[str]:
        return [u.strip().rstrip("/") for u in self.witnesses.split(",") if u.strip()]

    @property
    def witness_addresses(self) -> list[str]:
        return [a.strip() for a in self.witness_emails.split(",") if a.strip()]

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
    def broker_db(self) -> Path:
        """The embedded broker's SQLite file (kombu's SQLAlchemy transport)."""
        return self.data / "broker.sqlite"

    @property
    def pg_schema(self) -> str:
        return f"school_{self.school}"
