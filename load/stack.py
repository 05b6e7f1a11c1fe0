"""The deployment under load, started for real as subprocesses with the commands
docs/schools.md documents: `safeshare school add` (three times), `school serve --workers N`,
`school relay`, an urgent and a routine Celery worker with the schools' wiring, `school
projections`, and a loopback agency mail server (`python -m safeshare.demo.agencies smtp`) that
records every packet it receives. Everything runs on its own database and queue prefix."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from harness.dispatch import RABBIT_URL, WorkerProcess, settings_env, unique_prefix
from harness.schools import PG_ADMIN
from safeshare.adapters import pg_roles
from safeshare.bootstrap import dispatch_config
from safeshare.demo.agencies.certs import free_port, make_pki
from safeshare.demo.agencies.process import AgencyProcess
from safeshare.settings import Settings
from safeshare.tenants import schools_wiring_for
from workers.celery_app import make_celery, purge_and_delete

WIRING = {"SAFESHARE_DISPATCH_WIRING": "safeshare.tenants:schools_wiring"}
SAFESHARE = str(Path(sys.executable).parent / "safeshare")
POOL_SIZE = 1
MAX_OVERFLOW = 1


class Service:
    """One long-running `safeshare school ...` process, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.proc = None


class Stack:
    """The deployment: settings, schools, processes; `close` removes all of it."""

    def __init__(self, root: Path, web_workers: int) -> None:
        self.root = root
        self.web_workers = web_workers
        self.tag = uuid.uuid4().hex[:6]
        self.database = f"safeshare_load_{self.tag}"
        self.url = f"postgresql://postgres@127.0.0.1:5432/{self.database}"
        self.port = free_port()
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pki = make_pki(root / "pki", "agency")
        self.agency = AgencyProcess("smtp", self.pki.server_pem, root / "agency")
        self.base: Settings | None = None
        self.schools: list[str] = []
        self.services: dict[str, Service] = {}
        self.workers: dict[str, WorkerProcess] = {}

    # -- setting up ---------------------------------------------------------------------

    def start_agency_and_database(self) -> Settings:
        self.agency.start()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        self.base = Settings(
            data=self.root / "var",
            database_url=self.url,
            audit_key_file=self.root / "audit-keys" / "audit-ed25519.pem",
            broker_url=RABBIT_URL,
            queue_prefix=unique_prefix(),
            smtp_host=self.agency.host,
            smtp_port=self.agency.port,
            tls_ca_file=self.pki.ca_file,
            dsl_email="dsl@school.example",
            channel_timeout_seconds=10.0,
            cookie_secure=False,
            web_base_url=f"http://localhost:{self.port}",
            web_metrics=True,
            pg_pool_size=POOL_SIZE,
            pg_max_overflow=MAX_OVERFLOW,
        )
        return self.base

    def env(self) -> dict[str, str]:
        assert self.base is not None
        return {
            **settings_env(self.base),
            "SAFESHARE_COOKIE_SECURE": "false",
            "SAFESHARE_WEB_BASE_URL": self.base.web_base_url,
            "SAFESHARE_WEB_METRICS": "true",
            # PostgreSQL here allows 300 connections (scripts/ensure-services.sh), shared with
            # the test suite: every process keeps its schools' pools small (docs/schools.md).
            "SAFESHARE_PG_POOL_SIZE": str(POOL_SIZE),
            "SAFESHARE_PG_MAX_OVERFLOW": str(MAX_OVERFLOW),
        }

    def pools(self) -> dict[str, str]:
        return {k: v for k, v in self.env().items() if k.startswith("SAFESHARE_PG_")}

    def host(self, school: str) -> str:
        return f"{school.replace('_', '-')}.load.test"

    def add_school(self, school: str) -> None:
        """`safeshare school add` (a unique id: database roles are the cluster's)."""
        subprocess.run(
            [
                SAFESHARE,
                "school",
                "add",
                school,
                "--name",
                f"{school.split('_')[0].title()} Academy",
                "--host",
                self.host(school),
            ],
            env=self.env(),
            check=True,
            capture_output=True,
            timeout=300,
        )
        self.schools.append(school)

    def _service(self, name: str, *args: str, env: dict[str, str] | None = None) -> Service:
        service = Service(name, [SAFESHARE, "school", *args], env or self.env(), self.log(name))
        self.services[name] = service.start()
        return service

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start_web(self) -> None:
        self._service(
            "web",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.web_workers),
            "--open-at-once",
            "8",
        )

    def wait_web(self) -> None:
        deadline = time.monotonic() + 90
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}") as client:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.TransportError):
                    r = client.get("/api/v1/worklist", headers={"Host": self.host(self.schools[0])})
                    if r.status_code in (401, 403):
                        return
                time.sleep(0.3)
        raise RuntimeError("the web did not start:\n" + self.log("web").read_text()[-3000:])

    def start_relay_and_projections(self) -> None:
        self._service("relay", "relay", "--json")
        self._service("projections", "projections", "--open-at-once", "8")

    def queue(self, urgent: bool) -> str:
        assert self.base is not None
        return dispatch_config(self.base).queue_for(urgent)

    def start_workers(self) -> None:
        """The urgent and the routine worker (routine at `nice 10`, as docs/dispatch.md
        says), started at once."""
        assert self.base is not None
        for name, urgent, nice in (("urgent", True, 0), ("routine", False, 10)):
            self.workers[name] = WorkerProcess(
                self.base,
                [self.queue(urgent)],
                self.log(f"worker-{name}"),
                name=name,
                nice=nice,
                env={**WIRING, **self.pools()},
            )
        starting = [
            threading.Thread(target=w.start, kwargs={"timeout": 120}) for w in self.workers.values()
        ]
        for t in starting:
            t.start()
        for t in starting:
            t.join()
        if not all(w.proc is not None for w in self.workers.values()):
            raise RuntimeError("a worker did not start")

    # -- tearing down ---------------------------------------------------------------------

    def close(self) -> None:
        for worker in self.workers.values():
            worker.kill()
        for service in self.services.values():
            service.stop()
        self.agency.stop()
        if self.base is not None:
            with contextlib.suppress(Exception):
                wiring = schools_wiring_for(self.base)
                celery = make_celery(wiring)
                try:
                    purge_and_delete(celery, wiring.config)
                finally:
                    celery.close()
        with contextlib.suppress(Exception):
            self._drop_database()

    def _drop_database(self) -> None:
        """Each school's schemas and role (in the database), then the database."""
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (self.database,),
            )
        for school in self.schools:
            with contextlib.suppress(Exception):
                pg_roles.drop(self.url, school)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (self.database,),
            )
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.database))
            )
