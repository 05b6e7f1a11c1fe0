"""What each school's own stores say, and the cross-school check: nothing of one school (its
canary name and fact, its concern, child and referral ids) in another school's event store,
projections or integrity log, in any packet, in any process's log, in the metrics of another
school's host, and another school's ids and tokens are "not found" and "unknown" there."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from domain.referral import Referral
from harness.schools import PG_ADMIN
from load.agency import Arrival
from load.seed import Seeded
from safeshare.adapters import pg_roles
from safeshare.services import projections as ps
from safeshare.settings import Settings
from safeshare.tenants import SchoolApps, registry_for

TOPICS = {
    "raise": "safeshare:concern:raised",
    "consent": "safeshare:concern:consent-recorded",
    "lawful-basis": "safeshare:concern:lawful-basis-recorded",
    "decide": "safeshare:concern:sharing-decided",
    "delivered": Referral.Delivered.TOPIC,
}
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def store_counts(base: Settings, schools: list[str]) -> dict[str, Counter[str]]:
    """Events of each kind in each school's own event store (through its own application)."""
    apps = SchoolApps(base, registry_for(base), capacity=1)
    try:
        out: dict[str, Counter[str]] = {}
        for school in schools:
            with apps.lease(school) as s:
                found = s.app.recorder.select_notifications(
                    start=None, limit=10**9, topics=list(TOPICS.values())
                )
                by_topic = Counter(n.topic for n in found)
                out[school] = Counter({k: by_topic[t] for k, t in TOPICS.items()})
        return out
    finally:
        apps.close()


def store_referrals(base: Settings, schools: list[str]) -> dict[str, str]:
    """Every referral each school's own store holds (also those of a decision whose answer the
    client never got), by id: its school."""
    apps = SchoolApps(base, registry_for(base), capacity=1)
    try:
        out: dict[str, str] = {}
        for school in schools:
            with apps.lease(school) as s:
                rows = s.app.recorder.referral_rows()  # type: ignore[attr-defined]
                out |= {str(r.referral_id): school for r in rows}
        return out
    finally:
        apps.close()


def projection_lag(base: Settings, schools: list[str]) -> dict[str, int]:
    """Each school's largest projection lag (events its runners have not applied)."""
    apps = SchoolApps(base, registry_for(base), capacity=1)
    try:
        lags = {}
        for school in schools:
            with apps.lease(school) as s:
                lags[school] = max(r.status().lag for r in ps.runners(s))
        return lags
    finally:
        apps.close()


def stored_text(database: str, school: str) -> tuple[set[bytes], bytes]:
    """The ids (as text) in every table of the school's four schemas, and the rows of every
    table but the event store's (whose state is encrypted) as text."""
    ids: set[bytes] = set()
    text: list[bytes] = []
    conninfo = PG_ADMIN.replace("dbname=postgres", f"dbname={database}")
    with psycopg.connect(conninfo) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)",
            (pg_roles.school_schemas(school),),
        ).fetchall()
        for schema, table in tables:
            name = sql.Identifier(schema, table)
            cols = conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s",
                (schema, table),
            ).fetchall()
            if ("originator_id",) in cols:
                q = sql.SQL("SELECT DISTINCT originator_id::text FROM {}").format(name)
                ids.update(str(r[0]).encode() for r in conn.execute(q))
            else:
                q = sql.SQL("SELECT t::text FROM {} t").format(name)
                rows = b"\n".join(str(r[0]).encode() for r in conn.execute(q))
                ids.update(UUID_RE.findall(rows))
                text.append(rows)
    return ids, b"\n".join(text)


def own_ids(seeded: Seeded, decided: Iterable[str], raised: Iterable[str]) -> set[bytes]:
    return {x.encode() for x in [*seeded.children, *seeded.backlog, *decided, *raised]}


def leaks(
    database: str,
    seeded: list[Seeded],
    ids_by_school: dict[str, set[bytes]],
    arrivals: list[Arrival],
    referral_school: dict[str, str],
    logs: list[Path],
    port: int,
    a_concern: dict[str, str],
) -> list[str]:
    """Every way one school's data was found where it must not be (empty: none)."""
    found: list[str] = []
    names = {s.school: s.school.split("_")[0].title() + " Academy" for s in seeded}
    for s in seeded:
        others = [o for o in seeded if o is not s]
        ids, text = stored_text(database, s.school)
        if not ids & ids_by_school[s.school]:  # the check must see the school's own records
            found.append(f"none of {s.school}'s own ids in its stores: the check saw nothing")
        for o in others:
            if ids & ids_by_school[o.school]:
                found.append(f"{o.school} ids in {s.school}'s stores")
            for canary in (o.canary_name, o.canary_fact):
                if canary.encode() in text:
                    found.append(f"{o.school}'s canary in {s.school}'s projections")
    for a in arrivals:
        if a.raw_has:
            found.append(f"a canary in plain text in packet {a.packet_id}")
        school = referral_school.get(a.referral_id)
        if school is None:
            found.append(f"packet {a.packet_id} for no referral of any school")
            continue
        for other, name in names.items():
            if other != school and (other in a.subject or name in a.subject):
                found.append(f"packet of {school} names {other}")
    canaries = [c.encode() for s in seeded for c in (s.canary_name, s.canary_fact)]
    for log in logs:
        data = log.read_bytes() if log.exists() else b""
        if any(c in data for c in canaries):
            found.append(f"a canary in {log.name}")
    found += _over_http(seeded, ids_by_school, port, a_concern)
    return found


def _over_http(
    seeded: list[Seeded], ids_by_school: dict[str, set[bytes]], port: int, a_concern: dict[str, str]
) -> list[str]:
    found = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for s in seeded:
            metrics = http.get("/metrics", headers={"Host": s.host})
            if metrics.status_code != 200:
                found.append(f"/metrics at {s.host}: {metrics.status_code}")
            for o in seeded:
                if o is s:
                    continue
                if o.school.encode() in metrics.content or o.canary_name in metrics.text:
                    found.append(f"{o.school} in {s.school}'s metric labels")
                if set(UUID_RE.findall(metrics.content)) & ids_by_school[o.school]:
                    found.append(f"{o.school}'s ids in {s.school}'s metrics")
                theirs = a_concern[o.school]
                own = {"Host": s.host, "Authorization": f"Bearer {s.dsl_token}"}
                r = http.get(f"/api/v1/concerns/{theirs}", headers=own)
                if r.status_code != 404:
                    found.append(f"{o.school}'s id at {s.school}: {r.status_code}, not 404")
                foreign = {"Host": s.host, "Authorization": f"Bearer {o.dsl_token}"}
                r = http.get("/api/v1/worklist", headers=foreign)
                if r.status_code != 401:
                    found.append(f"{o.school}'s token at {s.school}: {r.status_code}, not 401")
    return found
