"""A seeded generator of realistic school histories, fast enough for 200,000 events.

Used by the projection tests (incremental equals rebuilt, exactly once) and by
`bench/bench_projections.py`. It records domain events directly (no sealing: the "sealed"
values are random tokens), with event times spread over the school year, so that timeliness
has weekends, bank holidays, breaches and months to show. Many aggregates go into each
`app.save` call, which keeps generation quick.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import AccessLog
from domain.child import Child
from domain.concern import Concern
from domain.referral import Referral
from domain.sealed import Sealed
from safeshare.adapters.case_records import CaseRecords

CATEGORIES = ["neglect", "physical-abuse", "emotional-abuse", "self-harm", "other", "exploitation"]
STAFF = ["Mr Jones", "Ms Green", "Mrs Ahmed", "Mr Okafor", "Ms Li"]
DSL = "DSL Ms Patel"


class Timed:
    """Stamps the events an aggregate has pending with times we choose."""

    def __init__(self, aggregate: Aggregate) -> None:
        self.aggregate = aggregate
        self.stamped = 0

    def stamp(self, moment: datetime) -> None:
        pending = self.aggregate._pending_events
        for e in pending[self.stamped :]:
            object.__setattr__(e, "timestamp", moment)
        self.stamped = len(pending)


def _sealed(rng: random.Random, field: str) -> Sealed:
    return Sealed(field, base64.urlsafe_b64encode(rng.randbytes(24)).decode())


def _working_moment(rng: random.Random, start: date, days: int) -> datetime:
    d = start + timedelta(days=rng.randrange(days))
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return datetime(d.year, d.month, d.day, 8, tzinfo=UTC) + timedelta(minutes=rng.randrange(540))


def case(rng: random.Random, child: UUID, raised: datetime) -> list[Aggregate]:
    """One concern's whole life: its aggregates, their events stamped with chosen times."""
    urgent = rng.random() < 0.15
    c = Concern(
        id=uuid4(),
        child_id=child,
        category=rng.choice(CATEGORIES),
        facts=_sealed(rng, "concern.facts"),
        opinion=_sealed(rng, "concern.opinion") if rng.random() < 0.5 else None,
        observed_at=raised - timedelta(hours=rng.random() * 20),
        immediate_risk=urgent,
        crime_suspected=urgent and rng.random() < 0.5,
        raised_by=rng.choice(STAFF),
    )
    tc = Timed(c)
    tc.stamp(raised)
    t = raised
    out: list[Aggregate] = [c]
    log = AccessLog(record_id=c.id)
    views = Timed(log)
    log.record_view(DSL, "concern show")
    views.stamp(t + timedelta(minutes=5))
    out.append(views.aggregate)
    if rng.random() < 0.1:
        return out  # awaiting a decision
    if urgent:
        c._consent_recorded(
            status="not-sought",
            from_whom=None,
            scope=[],
            not_sought_reason="delay",
            note=_sealed(rng, "consent.note"),
            recorded_by=DSL,
        )
        t += timedelta(minutes=rng.choice([3, 5, 8, 12, 20, 40]))
    else:
        c._consent_recorded(
            status="sought",
            from_whom="parent",
            scope=[],
            not_sought_reason=None,
            note=None,
            recorded_by=DSL,
        )
        t += timedelta(minutes=30)
        tc.stamp(t)
        if rng.random() < 0.08:
            return out  # consent sought, no answer yet
        c._consent_recorded(
            status="given",
            from_whom="parent",
            scope=[],
            not_sought_reason=None,
            note=None,
            recorded_by=DSL,
        )
        t += timedelta(hours=rng.choice([1, 2, 3, 5, 20, 30, 70]))
    tc.stamp(t)
    share = urgent or rng.random() < 0.6
    kinds = ["police", "mash"] if urgent else [rng.choice(["mash", "social-care", "school"])]
    c._sharing_decided(
        decision_no=1,
        share=share,
        purpose=_sealed(rng, "decision.purpose") if share else None,
        reasons=_sealed(rng, "decision.reasons"),
        decided_at_step="consent",
        path=["purpose", "consent"],
        identifiable=True,
        recipients=[
            {
                "agency_id": k,
                "kind": k,
                "fields": ["child-name", "facts"],
                "decided_at_step": "consent",
                "path": ["purpose: yes", "consent: yes"],
            }
            for k in kinds
        ]
        if share
        else [],
        police_not_told_reason=None,
        decided_by=DSL,
    )
    tc.stamp(t)
    if share:
        for k in kinds:
            r = Referral(
                concern_id=c.id,
                child_id=child,
                decision_no=1,
                agency_id=k,
                agency_kind=k,
                fields=["child.name"],
                urgent=urgent,
                identifiable=True,
            )
            tr = Timed(r)
            tr.stamp(t)
            rt = t + timedelta(minutes=rng.choice([1, 2, 4, 10, 25]))
            outcome = rng.random()
            if outcome < 0.05:
                r._delivery_failed(attempt=1, error_class="SMTPServerDisconnected", permanent=False)
                tr.stamp(rt)
                if outcome < 0.02:
                    r._escalated(reason="5 attempts failed")
                    tr.stamp(rt + timedelta(hours=1))
            else:
                r._dispatched(
                    attempt=1, channel="smtp", packet_id=str(uuid4()), packet_sha256="0" * 64
                )
                tr.stamp(rt)
                delay = (
                    timedelta(days=rng.choice([0, 1, 3, 6, 9]))
                    if k == "school"
                    else timedelta(minutes=rng.choice([1, 2, 5, 30, 90, 600]))
                )
                if rng.random() < 0.9:
                    r._delivered(receipt="250 OK")
                    tr.stamp(rt + delay)
            out.append(r)
        if rng.random() < 0.85:
            t += timedelta(hours=rng.choice([1, 4, 24]))
            c._family_informed(informed=True, reason=None, recorded_by=DSL)
            tc.stamp(t)
    for _ in range(rng.randrange(3)):
        log.record_view(rng.choice([DSL, "Deputy DSL", "Governor"]), "concern show")
        views.stamp(t + timedelta(hours=rng.random() * 48))
    if rng.random() < 0.3:
        t += timedelta(days=rng.randrange(5, 60))
        c._retention_reviewed(
            outcome="keep",
            reason="open child-protection plan",
            next_review=(t + timedelta(days=rng.randrange(-30, 365))).date(),
            reviewed_by=DSL,
        )
        tc.stamp(t)
    if rng.random() < 0.4:
        t += timedelta(days=rng.randrange(1, 30))
        c._closed(reason="no further action", closed_by=DSL)
        tc.stamp(t)
    return out


def generate(
    app: CaseRecords,
    events: int,
    seed: int = 6,
    start: date | None = None,
    days: int = 300,
    per_save: int = 200,
) -> int:
    """Record about `events` events; returns how many were recorded."""
    rng = random.Random(seed)
    start = start or (app.clock() - timedelta(days=days + 30)).date()
    recorded = 0
    pending: list[Aggregate] = []
    children: list[UUID] = []
    while recorded < events:
        if not children or rng.random() < 0.3:
            child = Child(
                id=uuid4(),
                name=_sealed(rng, "child.name"),
                date_of_birth=_sealed(rng, "child.dob"),
                upn=None,
                nhs_number=None,
                address=None,
                registered_by="Office",
            )
            Timed(child).stamp(_working_moment(rng, start, days) - timedelta(days=30))
            pending.append(child)
            children.append(child.id)
            recorded += 1
        aggregates = case(rng, rng.choice(children), _working_moment(rng, start, days))
        pending += aggregates
        recorded += sum(len(a._pending_events) for a in aggregates)
        if len(pending) >= per_save:
            with app.generating_history():
                app.save(*pending)
            pending = []
    if pending:
        with app.generating_history():
            app.save(*pending)
    return recorded
