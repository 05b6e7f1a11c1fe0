"""A school's restore, through the registry, held to an erasure that only its witness still
knows: the school's event store was put back from before the erasure by other means and its
local tombstone list was lost too. The witness holds each school's tombstones under its own log:
alpha's erasure comes back to alpha; beta's restore hears of none."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from safeshare.adapters.sealing import ERASED
from safeshare.adapters.store_backup import sqlite_restore
from safeshare.bootstrap import build
from safeshare.demo.agencies.certs import make_pki
from safeshare.services.audit import audit_service
from safeshare.settings import Settings
from safeshare.tenant_ops import backup_schools, restore_schools
from safeshare.tenants import registry_for, school_settings
from safeshare.witness.server import WitnessServer
from safeshare.witness.witness import Witness, init_witness
from tests.integration.test_witness import WITNESS_NAME, _server_tls
from tests.support import FakeClock, ago, born
from tests.tenancy_support import add


def test_an_erasure_only_the_witness_remembers_is_reapplied_to_its_own_school_only(
    tmp_path: Path, identity_template: Path
) -> None:
    clock = FakeClock()
    pki = make_pki(tmp_path / "pki", "witness")
    init_witness(tmp_path / "witness", WITNESS_NAME)
    witness = Witness(tmp_path / "witness", clock)
    server = WitnessServer(("127.0.0.1", 0), witness, _server_tls(pki.server_pem)).start()
    try:
        base = Settings(
            data=tmp_path / "d",
            witnesses=server.url,
            witness_ca_file=pki.ca_file,
            argon2_time_cost=1,
            argon2_memory_kib=64,
        )
        registry = registry_for(base)
        alpha = add(base, registry, "alpha", clock, identity_template)
        beta = add(base, registry, "beta", clock, identity_template)
        for tenant in (alpha, beta):
            settings = school_settings(base, tenant)
            witness.add_log(settings.log_origin, settings.audit_public_key_path.read_text())
        a_settings = school_settings(base, alpha)
        s = build(a_settings, clock)
        try:
            child = s.children.register("Ava Stone", born(clock, 10), by="Office")
            concern = s.concerns.raise_concern(
                str(child), "neglect", "No lunch again.", ago(clock, hours=1), "Mr Jones"
            )
            audit_service(s).checkpoint()
        finally:
            s.close()
        folder = tmp_path / "backups" / "before-erasure"
        backup_schools(base, [alpha, beta], folder, "operator", clock)
        s = build(a_settings, clock)
        try:
            s.children.erase(str(child), "retention-ended", "DSL")
        finally:
            s.close()
        a_settings.tombstones_path.unlink()  # the local list was lost (or put back) too
        sqlite_restore(folder / alpha.id / "events.sqlite", a_settings.events_db)

        done = restore_schools(base, registry, folder, None, True, "operator", clock=clock)

        a, b = done["schools"][alpha.id], done["schools"][beta.id]
        assert a["erasures_known_to_witnesses"] == 1 and a["witnesses_not_reached"] == []
        assert a["erasures_recorded_again"] == [str(child)]
        assert b["erasures_known_to_witnesses"] == 0 and b["erasures_recorded_again"] == []
        s = build(a_settings, clock)
        try:
            assert s.keystore.get(UUID(str(child))) is None
            assert s.views.show_concern(str(concern), "DSL")["concern"]["facts"] == ERASED
            assert audit_service(s).verify() == []
        finally:
            s.close()
        s = build(school_settings(base, beta), clock)
        try:
            assert audit_service(s).verify() == []
        finally:
            s.close()
    finally:
        server.stop()
