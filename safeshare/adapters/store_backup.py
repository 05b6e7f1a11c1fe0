"""Copies of a school's stores, taken and put back by the database's own means.

SQLite: the online backup API (`sqlite3.Connection.backup`), page by page under the database's
own locks, never a copy of a live file (a file copied mid-write, or without its WAL, is not a
database). PostgreSQL: `pg_dump` of one school schema in the custom format, and `pg_restore`
of it after the schema is dropped. The key store is not copied here: its backup is encrypted
to the backup key (`keystore_backup`), and erasures are applied before it is written back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

from safeshare.adapters.pg import PgParams


class BackupToolError(RuntimeError):
    """`pg_dump` or `pg_restore` failed; the message carries its own first error line."""


def sqlite_backup(live: Path, copy: Path) -> None:
    """A consistent copy of a live SQLite database, taken online."""
    copy.unlink(missing_ok=True)
    with closing(sqlite3.connect(live, timeout=30)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    os.chmod(copy, 0o600)


def sqlite_restore(copy: Path, live: Path) -> None:
    """Write a backup into the live database through the backup API (one transaction on the
    destination: a reader sees the old database or the restored one)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(copy)) as src, closing(sqlite3.connect(live, timeout=30)) as dst:
        src.backup(dst)


def _pg_env(p: PgParams) -> tuple[str, dict[str, str]]:
    """A conninfo without the password (it goes in PGPASSWORD, not on a command line)."""
    env = dict(os.environ)
    if p.password:
        env["PGPASSWORD"] = p.password
    return replace(p, password="").conninfo(), env


def _tool(name: str, what: str = "a backup or a restore") -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupToolError(f"{name} is not installed: {what} needs it")
    return tool


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    tool = _tool(args[0], what)
    done = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BackupToolError(f"{what}: {args[0]} failed: {first}")


def pg_dump_schema(p: PgParams, schema: str, out: Path) -> None:
    """`pg_dump --format=custom --schema=SCHEMA`: one school schema and nothing else."""
    conninfo, env = _pg_env(p)
    out.unlink(missing_ok=True)
    _run(
        ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={out}", conninfo],
        env,
        f"backing up schema {schema}",
    )
    os.chmod(out, 0o600)


def pg_restore_schema(p: PgParams, schema: str, dump: Path) -> None:
    """Drop the school schema and restore it from its dump, as one school's tables only.

    A school of a deployment of many connects acting as its own role (`-c role=...`), which
    may not make a schema: the deployment's login role makes it again, owned by that role, and
    the dump's tables are restored into it as the role (so they stay the role's own)."""
    role = acting_role(p)
    if role is None:
        with psycopg.connect(p.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        _pg_restore(p, schema, dump)
        return
    login = replace(p, options={k: v for k, v in p.options.items() if k != "options"})
    with psycopg.connect(login.conninfo()) as conn, conn.transaction():
        name = sql.Identifier(schema)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
        conn.execute(
            sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(name, sql.Identifier(role))
        )
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(name))
    _pg_restore(p, schema, dump, without_schema=True)


def acting_role(p: PgParams) -> str | None:
    """The role a connection acts as from the start (libpq `options=-c role=NAME`), if any."""
    found = re.search(r"(?:^|\s)-c\s*role=(\S+)", p.options.get("options", ""))
    return found.group(1) if found else None


def _pg_restore(p: PgParams, schema: str, dump: Path, without_schema: bool = False) -> None:
    conninfo, env = _pg_env(p)
    args = ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={conninfo}"]
    with tempfile.TemporaryDirectory() as tmp:
        if without_schema:  # every entry of the dump but the schema itself and its grants
            listed = subprocess.run(
                [_tool("pg_restore"), "--list", str(dump)], env=env, capture_output=True, text=True
            )
            if listed.returncode != 0:
                first = (listed.stderr.strip().splitlines() or ["no message"])[0]
                raise BackupToolError(f"reading the backup of schema {schema}: {first}")
            listing = listed.stdout.splitlines()
            kept = [line for line in listing if not re.search(r" SCHEMA - | ACL - SCHEMA ", line)]
            use = Path(tmp) / "toc.list"
            use.write_text("\n".join(kept) + "\n")
            args[1:1] = ["--no-acl", f"--use-list={use}"]
        _run([*args, str(dump)], env, f"restoring schema {schema}")


def copy_files(source: Path, target: Path) -> int:
    """Replace `target`'s files by `source`'s (the attachment store: sealed files written once,
    never changed, so a file copy is consistent). Returns how many files were copied."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, mode=0o700)
    count = 0
    if source.exists():
        for f in sorted(source.iterdir()):
            if f.is_file():
                shutil.copy2(f, target / f.name)
                os.chmod(target / f.name, 0o600)
                count += 1
    return count
