"""The composition root: builds one school's safeshare from settings, for the CLI, the web,
the workers and the tests alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import get_topic
from psycopg import sql
from psycopg.conninfo import make_conninfo

import domain.custody  # noqa: F401  (registers the custody log's event topics in every process)
from domain import setup_link  # noqa: F401  (the same, for the one-time set-up links)
from projections.db import PostgresProjectionDb, ProjectionDb, SQLiteProjectionDb
from safeshare.adapters.audit_key import check_audit_key_location
from safeshare.adapters.case_records import CaseRecords
from safeshare.adapters.data_folder import restrict_new_files
from safeshare.adapters.key_files import BackupKey, read_lines
from safeshare.adapters.key_fingerprints import check_store_keys
from safeshare.adapters.key_ring_cipher import RETIRED_KEYS, KeyRingCipher
from safeshare.adapters.keystore import KeyStore, PostgresKeyStore, SQLiteKeyStore
from safeshare.adapters.pg import PgParams
from safeshare.adapters.pg_factory import EXTRA_CONNINFO, ConninfoPostgresFactory
from safeshare.adapters.postgres_store import SafesharePostgresRecorder
from safeshare.adapters.sealing import KeyEncryptionKey, KeyFileError, Sealer
from safeshare.adapters.sqlite_store import SafeshareSQLiteRecorder
from safeshare.services.accounts import AccountService
from safeshare.services.agencies import AgencyService
from safeshare.services.children import ChildService
from safeshare.services.concerns import ConcernService
from safeshare.services.context import Context
from safeshare.services.dispatch_store import SafeshareDispatchStore
from safeshare.services.packets import PacketService
from safeshare.services.projections import worklist
from safeshare.services.requests import RequestService
from safeshare.services.retention import RetentionService
from safeshare.services.school import Safeshare
from safeshare.services.transfers import TransferService
from safeshare.services.views import ViewService
from safeshare.settings import Settings
from workers.config import DispatchConfig, Wiring

AGGREGATE_CACHE_SIZE = 2000
"""Recently used aggregates each process keeps in memory (deep-copied on each read,
fast-forwarded from the store), so a DSL's run of commands on one case does not replay it each
time. About 10 KB a referral (its frozen packet): a worker's pool process holds about 20 MB once
it is full."""


def utc_now() -> datetime:
    """The real time: the one clock of a running school, read nowhere else."""
    return datetime.now(UTC)


def load_cipher_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        msg = f"event store cipher key file {path}: cannot be read (run `safeshare init`)"
        raise KeyFileError(msg) from None


def event_store_env(settings: Settings) -> dict[str, str]:
    """The `eventsourcing` environment for this school's event store."""
    env = {
        "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
        "CIPHER_TOPIC": get_topic(KeyRingCipher),
        "CIPHER_KEY": load_cipher_key(settings.cipher_key_path),
        RETIRED_KEYS: " ".join(read_lines(settings.retired_cipher_keys_path)),
    }
    if settings.database_url:
        p = PgParams.from_url(settings.database_url)
        ensure_schema(p, settings.pg_schema)
        env.update(
            {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": p.dbname,
                "POSTGRES_HOST": p.host,
                "POSTGRES_PORT": str(p.port),
                "POSTGRES_USER": p.user,
                "POSTGRES_PASSWORD": p.password,
                "POSTGRES_SCHEMA": settings.pg_schema,
                "POSTGRES_POOL_SIZE": str(settings.pg_pool_size),
                "POSTGRES_MAX_OVERFLOW": str(settings.pg_max_overflow),
                "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
                "APPLICATION_RECORDER_TOPIC": get_topic(SafesharePostgresRecorder),
            }
        )
        if p.options:  # sslmode, or a tenant's `options=-c role=school_<id>`
            env["PERSISTENCE_MODULE"] = get_topic(ConninfoPostgresFactory)
            env[EXTRA_CONNINFO] = make_conninfo(**p.options)
    else:
        settings.data.mkdir(mode=0o700, parents=True, exist_ok=True)
        env.update(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(settings.events_db),
                "SQLITE_LOCK_TIMEOUT": "10",
                "APPLICATION_RECORDER_TOPIC": get_topic(SafeshareSQLiteRecorder),
            }
        )
    return env


def ensure_schema(p: PgParams, schema: str) -> None:
    with psycopg.connect(p.conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
            return  # (a tenant's role may not create schemas: its own exist already)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def build_keystore(settings: Settings) -> KeyStore:
    if settings.database_url:
        p = PgParams.from_url(settings.database_url)
        return PostgresKeyStore(p.conninfo(), settings.pg_schema + "_keys")
    return SQLiteKeyStore(settings.keystore_db)


def build_projection_db(settings: Settings) -> ProjectionDb:
    """The projections' own database: a SQLite file beside the event store, or the school's
    own projections schema in PostgreSQL."""
    if settings.database_url:
        p = PgParams.from_url(settings.database_url)
        return PostgresProjectionDb(p.conninfo(), settings.pg_schema + "_projections")
    return SQLiteProjectionDb(settings.projections_db)


def build(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Safeshare:
    """Build the school's safeshare; the key files must exist (`safeshare init`)."""
    restrict_new_files()
    if not settings.uses_postgres:  # the embedded default says so at start-up; production
        check_audit_key_location(settings)  # refuses when the audit key is first loaded
    kek = KeyEncryptionKey.load(settings.kek_path)
    check_store_keys(settings, kek.secret, load_cipher_key(settings.cipher_key_path))
    app = CaseRecords(env=event_store_env(settings), clock=clock)
    keystore = build_keystore(settings)
    ctx = Context(app=app, sealer=Sealer(keystore, kek), settings=settings, clock=clock)
    agencies = AgencyService(ctx)
    views = ViewService(ctx)
    packets = PacketService(ctx, agencies, settings.data / "school")
    concerns = ConcernService(ctx, agencies, packets)
    children = ChildService(ctx)
    school = Safeshare(
        settings=settings,
        app=app,
        keystore=keystore,
        ctx=ctx,
        children=children,
        concerns=concerns,
        agencies=agencies,
        views=views,
        packets=packets,
        requests=RequestService(ctx, agencies, concerns),
        retention=RetentionService(ctx, children),
        transfers=TransferService(ctx, children, concerns, packets, settings.data / "school"),
        accounts=AccountService(ctx),
        open_projection_db=lambda: build_projection_db(settings),
    )
    views.worklist_provider = lambda: worklist(school)
    return school


def create_keys(settings: Settings) -> list[Path]:
    """Make the key-encryption key, the event-store cipher key and the backup key, if absent."""
    from safeshare.adapters.key_fingerprints import keyed_stores

    made: list[Path] = []
    stores = keyed_stores(settings)
    if not settings.kek_path.exists():
        stores["kek"].refuse_new_key()
        KeyEncryptionKey.generate().save(settings.kek_path)
        made.append(settings.kek_path)
    if not settings.cipher_key_path.exists():
        import os

        stores["cipher"].refuse_new_key()
        settings.cipher_key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(settings.cipher_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(AESCipher.create_key(32) + "\n")
        made.append(settings.cipher_key_path)
    if not settings.backup_key_path.exists():
        BackupKey.load_or_create(settings.backup_key_path)
        made.append(settings.backup_key_path)
    return made


# -- dispatch: what the relay and the Celery workers are handed ------------------------------


def dispatch_config(settings: Settings) -> DispatchConfig:
    return DispatchConfig(
        broker_url=settings.broker_url,
        broker_db=settings.broker_db,
        queue_prefix=settings.queue_prefix,
        max_attempts=settings.dispatch_max_attempts,
        urgent_retry_base=settings.urgent_retry_base_seconds,
        urgent_retry_max=settings.urgent_retry_max_seconds,
        routine_retry_base=settings.routine_retry_base_seconds,
        routine_retry_max=settings.routine_retry_max_seconds,
        reconcile_after=settings.reconcile_after_seconds,
        urgent_reconcile_after=settings.urgent_reconcile_after_seconds,
        reconcile_interval=settings.reconcile_interval_seconds,
        delivery_limit=settings.dispatch_delivery_limit,
    )


def wiring_for(settings: Settings) -> Wiring:
    return Wiring(
        config=dispatch_config(settings),
        open_store=lambda: SafeshareDispatchStore(build(settings), own=True),
    )


def wiring() -> Wiring:
    """Entry point named by `SAFESHARE_DISPATCH_WIRING` (the Celery app loads it by name in each
    worker process): the school the environment names."""
    return wiring_for(Settings())
