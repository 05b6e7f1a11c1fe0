"""PostgreSQL connection details from `SAFESHARE_DATABASE_URL`, parsed by libpq's own rules
(`psycopg.conninfo`): percent-encoded passwords, spaces and query options such as `?sslmode=`
all survive."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from domain.errors import InvalidValue

_MAIN = ("host", "port", "user", "password", "dbname")


@dataclass(frozen=True)
class PgParams:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    options: dict[str, str] = field(default_factory=dict)
    """Every other libpq parameter the URL gave (`sslmode`, `sslrootcert`, ...)."""

    @classmethod
    def from_url(cls, url: str) -> PgParams:
        if not url.startswith(("postgresql://", "postgres://")):
            raise InvalidValue("SAFESHARE_DATABASE_URL", "must start with postgresql://")
        try:
            parts = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
        except Exception as e:  # psycopg.ProgrammingError: a malformed URL
            problem = "not a valid PostgreSQL URL"
            raise InvalidValue("SAFESHARE_DATABASE_URL", problem) from e
        return cls(
            host=parts.get("host", "127.0.0.1"),
            port=int(parts.get("port", "5432")),
            user=parts.get("user", "postgres"),
            password=parts.get("password", ""),
            dbname=parts.get("dbname", "postgres"),
            options={k: v for k, v in parts.items() if k not in _MAIN},
        )

    def conninfo(self) -> str:
        params = {"host": self.host, "port": str(self.port), "user": self.user}
        params["dbname"] = self.dbname
        if self.password:
            params["password"] = self.password
        return make_conninfo(**params, **self.options)
