"""The container deployment: docker-compose.yml and the Dockerfile (read as files, no database)."""

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {"postgres", "redis", "web", "worker", "beat"}
APP_SERVICES = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def environment(service):
    """A service's environment as a dict, whether written as a mapping or as a KEY=VALUE list."""
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def build_context(service):
    build = service.get("build")
    return build if isinstance(build, str) or build is None else build.get("context", ".")


def depends_on(service):
    """depends_on as {service: condition}; the list form means service_started."""
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def volume_sources(service):
    """{target: source} of a service's volumes, short ("src:dst[:mode]") or long syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source"), volume["target"]
        mounts[target] = source
    return mounts


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def test_the_five_services_exist(compose):
    assert set(compose["services"]) == SERVICES


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(compose, name):
    healthcheck = compose["services"][name].get("healthcheck")

    assert healthcheck is not None
    assert healthcheck.get("disable") is not True
    assert isinstance(healthcheck.get("test"), list | str)
    assert healthcheck["test"]


def test_web_worker_and_beat_share_one_image_build_and_environment(compose):
    services = [compose["services"][name] for name in APP_SERVICES]

    assert [service.get("image") for service in services] == ["erp:latest"] * 3
    assert [build_context(service) for service in services] == ["."] * 3
    web_env = environment(services[0])
    assert environment(services[1]) == web_env
    assert environment(services[2]) == web_env


def test_the_app_environment_points_at_the_compose_services(compose):
    env = environment(compose["services"]["web"])

    assert env["DATABASE_URL"] == "postgresql://erp:${POSTGRES_PASSWORD:-erp}@postgres:5432/erp"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert str(env["DEBUG"]) == "0"
    # https only unless told otherwise (a local plain-http trial sets the three to 0 in .env)
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-1}"
    assert env["SESSION_COOKIE_SECURE"] == "${SESSION_COOKIE_SECURE:-1}"
    assert env["CSRF_COOKIE_SECURE"] == "${CSRF_COOKIE_SECURE:-1}"
    assert env["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-0}"
    # the web healthcheck requests http://127.0.0.1:8000/, so that host must always be allowed
    assert env["ALLOWED_HOSTS"].split(",")[0] == "127.0.0.1"


def test_the_web_port_is_published_on_the_loopback_unless_told_otherwise(compose):
    assert compose["services"]["web"]["ports"] == ["${WEB_PORT:-127.0.0.1:8000}:8000"]
    assert "ports" not in compose["services"]["postgres"]
    assert "ports" not in compose["services"]["redis"]


def test_the_web_healthcheck_counts_the_redirect_to_https_as_healthy(compose):
    probe = compose["services"]["web"]["healthcheck"]["test"][-1]

    assert "urlopen" not in probe  # urllib would follow the redirect to https, which gunicorn does not speak
    assert "status < 400" in probe


def test_postgres_and_redis_keep_their_data_on_declared_named_volumes(compose):
    declared = set(compose.get("volumes") or {})
    postgres = volume_sources(compose["services"]["postgres"])
    redis = volume_sources(compose["services"]["redis"])

    assert postgres["/var/lib/postgresql/data"] == "pgdata"
    assert redis["/data"] == "redisdata"
    assert {"pgdata", "redisdata"} <= declared


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_postgres_and_redis(compose, name):
    deps = depends_on(compose["services"][name])

    assert deps["postgres"] == "service_healthy"
    assert deps["redis"] == "service_healthy"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_wait_for_a_healthy_web_so_migrations_ran(compose, name):
    assert depends_on(compose["services"][name])["web"] == "service_healthy"


def test_there_is_one_beat_and_it_is_not_scaled(compose):
    beat = compose["services"]["beat"]

    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "celery -A erp beat" in " ".join(beat["command"])


def test_the_dockerfile_installs_runtime_requirements_and_runs_gunicorn():
    assert DOCKERFILE.is_file()
    instructions = dockerfile_instructions()
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    cmds = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]

    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    assert any("pip install -r requirements.txt" in run for run in runs)
    assert not any("requirements-dev.txt" in run for run in runs)
    cmd = cmds[-1]
    argv = json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)
    assert argv[:2] == ["gunicorn", "erp.wsgi:application"]
    assert users and users[-1] not in ("root", "0")


def test_docker_compose_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker compose is absent: no docker binary on PATH")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("docker compose is absent: `docker compose version` failed")

    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "compose-config-check"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
