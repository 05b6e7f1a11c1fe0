"""The school's projections, by name, for the CLI, the workers and the tests.

DESIGN.md: "Workers and projection runners reach the event store through small interfaces that
the composition root in `safeshare/` hands them at start-up". This is where the runners get
their source (the school's notification log) and their database (the school's own projections
database), so no projection crosses a tenant boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from domain.errors import InvalidValue
from projections.audit_trail import AuditTrail
from projections.chronology import Chronology
from projections.runner import Progress, Projection, Runner, rebuild_together
from projections.staff_names import PlainNames, StaffNames
from projections.standards import Standards
from projections.timeliness import Timeliness
from projections.workdays import Calendar
from projections.worklist import Worklist
from safeshare.adapters.staff_names import SealedStaffNames
from safeshare.services.school import Safeshare
from safeshare.settings import Settings

FACTORIES: dict[str, Callable[[StaffNames], Projection]] = {
    "audit_trail": AuditTrail,
    "chronology": Chronology,
    "timeliness": lambda names: Timeliness(),
    "worklist": lambda names: Worklist(),
}


def school_projections(names: StaffNames | None = None) -> dict[str, Projection]:
    """Every read model of a school, by name (the integrity log is registered by its own
    module); staff names sealed with `names` (plain when none is given: tests only)."""
    return {name: make(names or PlainNames()) for name, make in FACTORIES.items()}


def staff_names(s: Safeshare) -> StaffNames:
    """How this school's projections seal staff names (built once per `Safeshare`)."""
    if s.staff_names is None:
        s.staff_names = SealedStaffNames.of(s.settings)
    return s.staff_names


def runners(s: Safeshare, names: Sequence[str] | None = None) -> list[Runner]:
    """One runner per projection, cached on the school's `Safeshare` (creating a runner
    creates its tables)."""
    cache = s.runners
    wanted = list(names) if names else list(FACTORIES)
    unknown = [n for n in wanted if n not in FACTORIES]
    if unknown:
        msg = f"none named {', '.join(unknown)} (known: {', '.join(FACTORIES)})"
        raise InvalidValue("projection", msg)
    source = s.event_source()
    out: list[Runner] = []
    for name in wanted:
        if name not in cache:
            cache[name] = Runner(FACTORIES[name](staff_names(s)), source, s.projection_db())
        out.append(cache[name])
    return out


def runner(s: Safeshare, name: str) -> Runner:
    return runners(s, [name])[0]


def catch_up(s: Safeshare, names: Sequence[str] | None = None) -> int:
    """Bring projections up to the head of the log before reading them (the CLI always shows
    current data on the embedded default)."""
    return sum(r.catch_up() for r in runners(s, names))


def rebuild(
    s: Safeshare, names: Sequence[str] | None = None, progress: Progress | None = None
) -> int:
    """Drop and rebuild, in one pass over the log for all the named projections."""
    return rebuild_together(runners(s, names), progress)


def calendar(settings: Settings) -> Calendar:
    return Calendar.of(settings.school_closures)


def standards(settings: Settings) -> Standards:
    return Standards()


def worklist(s: Safeshare) -> list[dict[str, object]]:
    """The DSL's worklist from the worklist projection, caught up first, after the
    certificates that expire within 30 days."""
    from projections.workdays import local_day
    from projections.worklist import work_items
    from safeshare.services.certificate_expiry import expiring_certificates

    r = runner(s, "worklist")
    r.catch_up()
    projection = r.projection
    assert isinstance(projection, Worklist)
    with r.db.transaction() as tx:
        states = projection.states(tx, local_day(s.ctx.clock()))
    now = s.ctx.clock()
    items = work_items(states, now, calendar(s.settings), standards(s.settings))
    # Certificates about to expire come first: when one does, referrals stop.
    expiring = [e.work_item(now) for e in expiring_certificates(s, now)]
    return expiring + [i.as_dict() for i in items]
