"""`safeshare health`: what the person who runs the servers checks, and what a container's
health check acts on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from harness.schools import FakeClock
from safeshare.entrypoints.cli.main import app
from safeshare.services.health import Status, check_health
from safeshare.services.school import Safeshare
from sharing.pki import generate_agency_keypair


def by_name(s: Safeshare) -> dict[str, tuple[Status, str]]:
    return {c.name: (c.status, c.detail) for c in check_health(s).checks}


def test_a_new_school_is_healthy_and_says_it_has_no_checkpoint_yet(
    sqlite_school: Safeshare,
) -> None:
    found = check_health(sqlite_school)
    assert found.healthy
    checks = by_name(sqlite_school)
    assert checks["event store"][0] is Status.OK
    assert checks["broker"] == (Status.OK, "embedded (no broker to reach)")
    assert checks["integrity log"][0] is Status.WARNING
    assert checks["agency mash certificate"][0] is Status.OK


def test_an_agency_certificate_expiring_within_30_days_is_a_warning_naming_the_agency(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    s = sqlite_school
    soon = generate_agency_keypair("Police CPU", clock.now - timedelta(days=355))
    s.agencies.add(
        "police-cpu", "Police CPU", "police", "smtp", "cpu@police.example",
        soon.certificate.pem().decode(), by="Admin",
    )  # fmt: skip
    status, detail = by_name(s)["agency police-cpu certificate"]
    assert status is Status.WARNING and detail.startswith("expires in")
    assert check_health(s).healthy


def test_the_schools_signing_certificate_expired_makes_the_service_unhealthy(
    sqlite_school: Safeshare, clock: FakeClock
) -> None:
    clock.advance(days=900)
    status, detail = by_name(sqlite_school)["school certificates"]
    assert status is Status.FAILED and "signing expired" in detail
    assert not check_health(sqlite_school).healthy


def test_an_unreachable_broker_fails_the_health_check_with_exit_1(
    sqlite_school: Safeshare, tmp_path: Path
) -> None:
    env = {
        "SAFESHARE_DATA": str(sqlite_school.settings.data),
        "SAFESHARE_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//",
    }
    done = CliRunner().invoke(app, ["health", "--json"], env=env)
    assert done.exit_code == 1, done.output
    assert '"name": "broker"' in done.stdout and '"status": "failed"' in done.stdout
