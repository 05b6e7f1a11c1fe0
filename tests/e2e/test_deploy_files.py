"""What is deployed is what is tested: docker-compose.yml is valid under the Compose
Specification, runs exactly the services production needs with `safeshare` commands the CLI
accepts, takes its passwords from files and keeps the keys apart from the data; the
Prometheus alert rules name only metrics the processes export."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from safeshare.adapters.metrics import ESCALATIONS  # imported: the counters are registered
from safeshare.entrypoints.cli.main import app as cli
from safeshare.services.metrics import described

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
APP_SERVICES = {"web", "relay", "worker-urgent", "worker-routine", "projections"}
PRODUCTION = APP_SERVICES | {"postgres", "rabbitmq"}
assert ESCALATIONS is not None


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def resolve(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse `safeshare ARGS` exactly as the CLI would, down to the command, without running
    it: its full name and its parsed options (a bad option or value raises UsageError)."""
    command: Any = typer.main.get_command(cli)  # typer's own (vendored) click
    ctx = command.make_context("safeshare", list(args))
    names = []
    while hasattr(command, "resolve_command"):  # a group: go down to the command
        rest = [*ctx._protected_args, *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        assert name is not None and sub is not None
        names.append(name)
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    params: dict[str, Any] = ctx.params
    return " ".join(names), params


def test_the_compose_file_is_valid_under_the_compose_specification() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_runs_exactly_the_production_services_with_commands_the_cli_accepts() -> None:
    services = compose()["services"]
    default = {name for name, s in services.items() if not s.get("profiles")}
    assert default == PRODUCTION

    commands = {name: resolve(services[name]["command"]) for name in APP_SERVICES}
    assert commands["relay"][0] == "relay" and commands["relay"][1]["alerts"]
    assert commands["projections"][0] == "projections follow"
    assert commands["web"][0] == "serve" and commands["web"][1]["workers"] >= 2
    for kind in ("urgent", "routine"):
        name, params = commands[f"worker-{kind}"]
        assert (name, params["queues"]) == ("worker", kind)
    assert services["worker-routine"]["entrypoint"][-1] == "safeshare"
    for name in APP_SERVICES:
        check = services[name]["healthcheck"]["test"]
        assert check[:2] == ["CMD", "safeshare"], name
        assert resolve(check[2:])[0] == "health"


def test_compose_takes_passwords_from_files_and_keeps_the_keys_apart_from_the_data() -> None:
    spec = compose()
    services = spec["services"]
    for name, service in services.items():
        env = service.get("environment", {})
        for key, value in env.items():
            assert "PASSWORD" not in key or key.endswith("_FILE"), (name, key)
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)), (name, key)
    assert all(Path(s["file"]).parts[0] == "secrets" for s in spec["secrets"].values())
    for name in APP_SERVICES:
        secrets = set(services[name]["secrets"])
        assert {"safeshare_database_url", "safeshare_broker_url"} <= secrets, name
        env = services[name]["environment"]
        assert env["SAFESHARE_SECRETS_DIR"] == "/run/secrets"
        mounts = dict(reversed(v.split(":")) for v in services[name]["volumes"])
        for key_file in ("SAFESHARE_KEK_FILE", "SAFESHARE_CIPHER_KEY_FILE"):
            folder = str(Path(env[key_file]).parent)
            assert mounts[folder] != mounts[env["SAFESHARE_DATA"]], (name, key_file)
        assert mounts["/data/school"] != mounts["/data"], "signing identity in its own volume"
    rabbit = services["rabbitmq"]
    assert rabbit["image"].endswith("-management")
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/")


def exported_metric_names() -> set[str]:
    """Every sample name the processes can export: the counters and histograms (from this
    process's registry) and the school's gauges (their descriptions)."""
    names: set[str] = set()
    text = (generate_latest(REGISTRY) + generate_latest(_Described())).decode()
    for family in text_string_to_metric_families(text):
        kind = family.type
        if kind == "counter":
            names.add(family.name + "_total")
        elif kind == "histogram":
            names |= {family.name + s for s in ("_bucket", "_count", "_sum")}
        else:
            names.add(family.name)
    return {n for n in names if n.startswith("safeshare_")}


class _Described(Collector):
    def collect(self) -> Iterable[Metric]:
        return described()


def alert_rules() -> list[dict[str, Any]]:
    spec = yaml.safe_load(ALERTS.read_text())
    return [rule for group in spec["groups"] for rule in group["rules"]]


def test_each_alert_rule_names_only_metrics_the_processes_export() -> None:
    exported = exported_metric_names()
    assert {
        "safeshare_queue_depth",
        "safeshare_referral_delivery_seconds_bucket",
        "safeshare_referral_escalations_total",
        "safeshare_projection_lag",
        "safeshare_checkpoint_age_seconds",
        "safeshare_sign_in_failures_total",
    } <= exported
    rules = {rule["alert"]: rule["expr"] for rule in alert_rules()}
    assert {"UrgentReferralNotDelivered", "ProjectionLagging", "WitnessSilent"} <= set(rules)
    for alert, expr in rules.items():
        named = set(re.findall(r"\bsafeshare_[a-z_]+", expr))
        assert named, alert
        assert named <= exported, (alert, named - exported)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_alert_rules() -> None:
    done = subprocess.run(
        ["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
