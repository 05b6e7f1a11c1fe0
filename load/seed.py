"""Before the window, in-process through each school's own application (as bench/bench_dispatch
seeds its backlog): the demo agencies and 50 clones of MASH (one decision prepares up to 50
referrals), a staff and a DSL account with an API token each, the children the clients raise
concerns about, and the routine backlog (`share`: raise, consent given, decide to share with
50 agencies at once). Each school's children and facts carry that school's canary strings."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.user import User
from harness.dispatch import clone_agencies, register_child, share
from safeshare.bootstrap import build
from safeshare.demo.directory import install_demo_agencies
from safeshare.services.api_tokens import ApiTokenService
from safeshare.settings import Settings
from safeshare.tenants import registry_for, school_settings

CHILDREN = 20
PASSWORD = "correct horse battery staple load"


@dataclass
class Seeded:
    school: str
    host: str
    canary_name: str
    canary_fact: str
    staff_token: str
    dsl_token: str
    children: list[str]
    backlog: set[str] = field(default_factory=set)


def canaries(school: str) -> tuple[str, str]:
    tag = school.replace("_", "")
    return f"Canaryname {tag.title()}", f"canaryfact-{tag}: seen at the gate"


def seed_school(base: Settings, school: str, host: str, backlog: int) -> Seeded:
    registry = registry_for(base)
    try:
        tenant = registry.get(school)
    finally:
        registry.close()
    assert tenant is not None
    s = build(school_settings(base, tenant))
    try:
        install_demo_agencies(s)
        agencies = clone_agencies(s, max(1, min(50, backlog)))
        tokens = ApiTokenService(s.ctx, s.accounts)
        issued = {}
        for role in ("staff", "dsl"):
            email = f"{role}@{host}"
            s.accounts.add(f"Load {role}", email, role, PASSWORD, "load set-up")
            issued[role] = tokens.issue(User.create_id(email), "load", "load set-up").token
        name, fact = canaries(school)
        children = [register_child(s, f"{name} {k}") for k in range(CHILDREN)]
        seeded = Seeded(school, host, name, fact, issued["staff"], issued["dsl"], children)
        k = 0
        while len(seeded.backlog) < backlog:
            to = agencies[: backlog - len(seeded.backlog)]
            ids = share(s, children[k % CHILDREN], to, facts=fact)
            seeded.backlog.update(str(r) for r in ids)
            k += 1
        return seeded
    finally:
        s.close()
