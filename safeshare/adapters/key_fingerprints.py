"""Each store remembers which key it was made with, so a wrong key never poisons it.

A missing `keys/event-store.key` once led `init` to write a new one, and later writes used it:
events the old key could not read broke the worklist, rebuilds and checkpoints. Now each store
keeps the fingerprint of its key (recorded the first time the key is used on it):

- the event store: the application-wide cipher key;
- the key store: the key-encryption key;
- the projections store (which keeps the integrity log): the audit key's public key.

A key whose fingerprint does not match is refused at start-up, naming the file; `init` never
makes a new key beside a store that already holds records or a fingerprint.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.adapters.sealing import KeyFileError
from safeshare.settings import Settings

TABLE = "safeshare_key_fingerprints"


def fingerprint(key_material: bytes) -> str:
    """A SHA-256 fingerprint of a key (of 256 random bits: it reveals nothing usable)."""
    return hashlib.sha256(b"safeshare key fingerprint\x00" + key_material).hexdigest()


@dataclass(frozen=True)
class KeyedStore:
    """One store and the key it depends on."""

    store: str
    """What the store is, for messages: "the event store"."""
    key: str
    """Which key: "event store cipher key"."""
    key_path: Path
    data_tables: Sequence[str]
    """Tables whose rows mean the store already holds records."""
    sqlite_path: Path | None = None
    pg_conninfo: str | None = None
    pg_schema: str | None = None

    def _rows(
        self, query: str, params: tuple[str, ...] = (), create: bool = False
    ) -> list[tuple[object, ...]]:
        if self.sqlite_path is not None:
            if not create and not self.sqlite_path.exists():
                return []
            with sqlite3.connect(self.sqlite_path, timeout=30) as db:
                return list(db.execute(query.replace("%s", "?"), params).fetchall())
        assert self.pg_conninfo is not None and self.pg_schema is not None
        with psycopg.connect(self.pg_conninfo, autocommit=True) as db:
            db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.pg_schema)))
            cursor = db.execute(query.encode(), params)
            return [tuple(r) for r in cursor.fetchall()] if cursor.description else []

    def _tables(self) -> set[str]:
        if self.sqlite_path is not None:
            rows = self._rows("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = self._rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (str(self.pg_schema),),
            )
        return {str(r[0]) for r in rows}

    def recorded(self) -> str | None:
        """The fingerprint this store was made with, if it has one."""
        if TABLE not in self._tables():
            return None
        rows = self._rows(f"SELECT fingerprint FROM {TABLE} WHERE key_name = %s", (self.key,))
        return str(rows[0][0]) if rows else None

    def holds_records(self) -> bool:
        tables = self._tables()
        if TABLE in tables:
            return True
        return any(
            self._rows(f"SELECT 1 FROM {t} LIMIT 1") for t in self.data_tables if t in tables
        )

    def remember(self, value: str) -> None:
        if self.pg_schema is not None and not self._rows(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.pg_schema,)
        ):  # (a tenant's role may not create schemas: its own exist already)
            self._rows(f'CREATE SCHEMA IF NOT EXISTS "{self.pg_schema}"')
        self._rows(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(key_name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)",
            create=True,
        )
        self._rows(
            f"INSERT INTO {TABLE} (key_name, fingerprint) VALUES (%s, %s) "
            "ON CONFLICT (key_name) DO NOTHING",
            (self.key, value),
            create=True,
        )

    def check(self, value: str) -> None:
        """Refuse a key this store was not made with; remember the key on first use."""
        known = self.recorded()
        if known is None:
            self.remember(value)
        elif known != value:
            raise KeyFileError(
                f"{self.key} file {self.key_path}: this is not the key {self.store} was made "
                f"with (its fingerprint {value[:16]}…, {self.store} expects {known[:16]}…); "
                "restore the right key file: nothing was written"
            )

    def refuse_new_key(self) -> None:
        """`init` with this key missing: refused if the store already depends on a key."""
        if self.holds_records():
            raise KeyFileError(
                f"{self.key} file {self.key_path} is missing, but {self.store} already holds "
                "records made with a key: restore the key file (a new key could not read them); "
                "no new key was written"
            )


def check_store_keys(settings: Settings, kek_secret: bytes, cipher_key: str) -> None:
    """At start-up: the event store and the key store were made with these keys."""
    stores = keyed_stores(settings)
    stores["cipher"].check(fingerprint(cipher_key.encode()))
    stores["kek"].check(fingerprint(kek_secret))


def keyed_stores(settings: Settings) -> dict[str, KeyedStore]:
    """The school's stores, by the key each depends on: "cipher", "kek", "audit"."""
    conninfo: str | None = None
    if settings.database_url:
        from safeshare.adapters.pg import PgParams

        conninfo = PgParams.from_url(settings.database_url).conninfo()

    def at(
        store: str, key: str, path: Path, tables: tuple[str, ...], file: Path, suffix: str
    ) -> KeyedStore:
        if conninfo is None:
            return KeyedStore(store, key, path, tables, sqlite_path=file)
        schema = settings.pg_schema + suffix
        return KeyedStore(store, key, path, tables, pg_conninfo=conninfo, pg_schema=schema)

    return {
        "cipher": at(
            "the event store",
            "event store cipher key",
            settings.cipher_key_path,
            ("stored_events",),
            settings.events_db,
            "",
        ),
        "kek": at(
            "the key store",
            "key-encryption key",
            settings.kek_path,
            ("child_keys",),
            settings.keystore_db,
            "_keys",
        ),
        "audit": at(
            "the integrity log",
            "audit key",
            settings.audit_key_path,
            ("integrity_checkpoints",),
            settings.projections_db,
            "_projections",
        ),
    }
