"""Several schools on the embedded default: the registry is a file in the deployment's data
folder and each school has its own SQLite stores and keys under `schools/<id>`."""

from __future__ import annotations

import json
from pathlib import Path

from safeshare.settings import Settings
from safeshare.tenants import SchoolApps, registry_for, school_settings
from tests.support import FakeClock, ago, born
from tests.tenancy_support import add


def test_two_embedded_schools_keep_their_own_files_and_records(
    tmp_path: Path, identity_template: Path
) -> None:
    clock = FakeClock()
    base = Settings(data=tmp_path / "d", argon2_time_cost=1, argon2_memory_kib=64)
    registry = registry_for(base)
    alpha = add(base, registry, "alpha", clock, identity_template)
    beta = add(base, registry, "beta", clock, identity_template)
    listed = json.loads((base.data / "schools.json").read_text())
    assert {row["id"] for row in listed} == {alpha.id, beta.id}
    a, b = school_settings(base, alpha), school_settings(base, beta)
    assert a.events_db.exists() and b.events_db.exists() and a.events_db != b.events_db
    assert a.kek_path.read_bytes() != b.kek_path.read_bytes()
    apps = SchoolApps(base, registry, clock, capacity=1)
    try:
        with apps.lease(alpha.id) as s:
            child = str(s.children.register("Amira Alpha", born(clock, 9), by="Office"))
            s.concerns.raise_concern(child, "neglect", "No coat", ago(clock, hours=1), "T")
            assert len(s.views.worklist()) == 1
        with apps.lease(beta.id) as s:
            assert s.views.worklist() == []
        assert apps.open_schools() == [beta.id]
        assert registry.by_host(alpha.host.upper() + ":443") == alpha
    finally:
        apps.close()
