"""Recording concerns through safeshare vs raw `eventsourcing` saves of the same shape.

safeshare: raise + consent + lawful basis + decision to share (which prepares a referral),
each a service call that validates, seals personal fields with the child's key, loads the
concern and saves: 5 events in 4 saves. Raw: an aggregate with the same number of events of
the same size, saved the same 4 times by the bare library with the same cipher and database.
"""

from __future__ import annotations

import statistics
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from bench.common import bench_line, bench_school, rate, scale
from safeshare.bootstrap import event_store_env
from safeshare.services.school import Safeshare

FACTS = "Arrived without a coat on three cold days; said there was no breakfast at home. " * 2
OPINION = "Home seems chaotic since the new baby arrived."
JUSTIFICATION = "Risk of significant harm; early help needed without delay."
REASONS = "Pattern of neglect indicators across a fortnight."


class RawCase(Aggregate):
    @event("Raised")
    def __init__(self, child_id: UUID, category: str, facts: str, opinion: str) -> None:
        self.child_id = child_id

    @event("ConsentRecorded")
    def consent(self, status: str, from_whom: str, note: str) -> None:
        pass

    @event("BasisRecorded")
    def basis(self, article6: str, article9: str, justification: str) -> None:
        pass

    @event("Decided")
    def decide(self, purpose: str, reasons: str, recipients: list[dict[str, Any]]) -> None:
        pass


class RawReferral(Aggregate):
    @event("Prepared")
    def __init__(self, concern_id: UUID, agency_id: str, fields: list[str]) -> None:
        pass


def safeshare_cases(school: Safeshare, children: list[str]) -> None:
    c = school.concerns
    observed = (school.ctx.clock() - timedelta(hours=2)).isoformat()
    for child in children:
        cid = str(c.raise_concern(child, "neglect", FACTS, observed, "Mr Jones", opinion=OPINION))
        c.record_consent(cid, "refused", "DSL", from_whom="parent")
        c.record_lawful_basis(cid, "public-task", JUSTIFICATION, "DSL", article9="safeguarding")
        c.decide(cid, True, REASONS, "DSL", purpose="Early help assessment", to=["mash"])


def raw_cases(app: Application[UUID], count: int) -> None:
    sealed = "x" * 120  # a sealed field is about this long as base64 ciphertext
    for _ in range(count):
        case = RawCase(uuid4(), "neglect", sealed * 2, sealed)
        app.save(case)
        case.consent("refused", "parent", "")
        app.save(case)
        case.basis("public-task", "safeguarding", sealed)
        app.save(case)
        case.decide(sealed, sealed, [{"agency_id": "mash", "fields": ["facts"] * 17}])
        app.save(case, RawReferral(case.id, "mash", ["facts"] * 17))


def measure(backend: str, count: int) -> tuple[float, float]:
    with bench_school(backend) as school:
        dob = (school.ctx.clock() - timedelta(days=365 * 11)).date().isoformat()
        children = [
            str(school.children.register(f"Child {i}", dob, by="bench")) for i in range(count)
        ]
        env = event_store_env(school.settings)
        if backend == "sqlite":
            env["SQLITE_DBNAME"] = str(Path(tempfile.mkdtemp()) / "raw.sqlite")
        else:
            env["POSTGRES_SCHEMA"] = school.settings.pg_schema
        env["CIPHER_TOPIC"] = get_topic(AESCipher)
        raw_app: Application[UUID] = Application(env={**env, "APPLICATION_RECORDER_TOPIC": ""})
        ours: list[float] = []
        raws: list[float] = []
        for i in range(3):
            part = children[i * count // 3 : (i + 1) * count // 3]
            raws.append(rate(len(part), partial(raw_cases, raw_app, len(part))))
            ours.append(rate(len(part), partial(safeshare_cases, school, part)))
        raw_app.close()
        return statistics.median(ours), statistics.median(raws)


def main() -> None:
    count = scale(300)
    for backend in ("sqlite", "postgres"):
        ours, raw = measure(backend, count)
        print(f"append {backend}: safeshare {ours:.1f} concerns/s, raw eventsourcing {raw:.1f}/s")
        print(bench_line(f"append-{backend}", ours / raw, 0.70))


if __name__ == "__main__":
    main()
