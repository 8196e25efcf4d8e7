"""docker-compose.yml: valid against the Compose Specification's JSON Schema (vendored from
compose-spec/compose-spec, schema/compose-spec.json, Apache-2.0), and the production shape the
README promises; ``docker compose config`` too where Docker is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
#: What the file needs from .env (README, Production).
ENV = {"POSTGRES_PASSWORD": "pw", "KYRA_SECRET_KEY": "k" * 44, "KYRA_ADMIN_API_KEY": "kyra_x"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    problems = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose)
    ]
    assert problems == []


def test_the_compose_file_has_the_production_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "api", "worker", "scheduler"}
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command
    assert "--maxmemory-policy noeviction" in redis_command
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["deploy"]["replicas"] == "${KYRA_WORKERS:-2}"
    environment = services["api"]["environment"]
    for setting in ("OTEL_EXPORTER_OTLP_ENDPOINT", "PROMETHEUS_MULTIPROC_DIR",
                    "KYRA_METRICS_PUBLIC", "KYRA_LOG_FORMAT"):  # fmt: skip
        assert setting in environment, setting
    mounted = {v.split(":")[1] for v in services["worker"]["volumes"]}
    assert environment["PROMETHEUS_MULTIPROC_DIR"] in mounted


def _has_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _has_compose(), reason="Docker Compose is not installed here")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
