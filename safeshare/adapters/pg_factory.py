"""The library's PostgreSQL factory, passing on the libpq parameters our database URL carries
beyond host, port, user, password and database name: `sslmode`, and the `options` a tenant's URL
sets (`-c role=school_<id>`), so that every connection of a school's event store acts as that
school's own database role."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment
from psycopg.conninfo import conninfo_to_dict

EXTRA_CONNINFO = "POSTGRES_EXTRA_CONNINFO"
"""The environment key: a libpq conninfo string of the extra parameters."""


class ConninfoPostgresFactory(PostgresFactory):
    def __init__(self, env: Environment | dict[str, str] | None) -> None:
        super().__init__(env)
        extra = self.env.get(EXTRA_CONNINFO)
        if extra:
            given = self.datastore.pool.kwargs
            kwargs: dict[str, Any] = dict(given() if callable(given) else given or {})
            kwargs.update({k: v for k, v in conninfo_to_dict(extra).items() if v is not None})
            self.datastore.pool.kwargs = kwargs
