"""docker-compose.yml, checked without Docker: against the Compose Specification's JSON
schema, and for what production needs of it (every process, health checks, start order,
the shared media volume, the keys in .env.example), and its environment loads the settings.

The schema is ``compose-spec.json`` beside this file, a copy of ``schema/compose-spec.json``
from the compose-spec/compose-go repository (the file `docker compose` itself validates
with; Apache-2.0), commit e70e961c3a3acebf0800b882f1afb3dbf1fb74a2 (v2.13.0 and 6 commits).
Where the `docker compose` plugin is installed, ``.ci/run`` also runs `docker compose config -q`.
"""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).with_name("compose-spec.json")).read_text())
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def schema_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_the_schema_check_catches_a_misspelt_or_mistyped_key(compose):
    # given: the same file with a typo and a wrong type
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["healthcheck"]["retrys"] = broken["services"]["web"]["healthcheck"].pop("retries")
    broken["services"]["worker"]["depends_on"] = "db"
    # then: both are named
    errors = schema_errors(broken)
    assert any("services.web.healthcheck" in e and "retrys" in e for e in errors), errors
    assert any(e.startswith("services.worker.depends_on") for e in errors), errors


def test_every_process_is_there_with_its_health_check(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "propertydesk", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "propertydesk", "beat"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"]["test"][:3] == ["CMD", "python", "manage.py"]
    # Each manage.py command a health check calls exists.
    for name in APP_SERVICES:
        test = services[name]["healthcheck"]["test"]
        if "manage.py" in test:
            command = test[test.index("manage.py") + 1]
            assert (ROOT / "propertydesk" / "management" / "commands" / f"{command}.py").exists(), command
    # One beat only: nothing scales it.
    assert "deploy" not in services["beat"] and "scale" not in services["beat"]


def test_the_app_starts_after_a_healthy_database_and_redis_and_the_migrations(compose):
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"},
                                                 "redis": {"condition": "service_healthy"}}
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {"db": {"condition": "service_healthy"},
                                                "redis": {"condition": "service_healthy"},
                                                "migrate": {"condition": "service_completed_successfully"}}, name


def test_web_and_the_workers_share_the_media_volume_at_media_root(compose):
    services = compose["services"]
    for name in ("migrate", *APP_SERVICES):
        environment = services[name]["environment"]
        assert f"media:{environment['MEDIA_ROOT']}" in services[name]["volumes"], name
        assert environment["OUTBOX_DELIVERY"] == "task"
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media"}


def _interpolate(value: str, env: dict) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, from ``env``."""
    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"{name} is required ({arg}) and .env.example does not set it")
        return arg or ""
    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def test_the_env_example_names_every_required_key_and_the_settings_load_with_it(compose, tmp_path):
    # given: the environment web would get from .env.example (logged SMS allowed, as an
    # operator without a gateway yet would say)
    example = env_example()
    assert {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"} <= set(example)
    example["SMS_ALLOW_LOGGING_BACKEND"] = "true"
    web = compose["services"]["web"]
    assert web["env_file"] == ".env"
    env = {**example, **{k: _interpolate(str(v), example) for k, v in web["environment"].items()}}
    assert env["DATABASE_URL"] == f"postgres://propertydesk:{example['POSTGRES_PASSWORD']}@db:5432/propertydesk"

    # when: Django's checks run with it, as in the container (no database needed)
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env={**keep, **env, "PROPERTYDESK_VAR_DIR": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)

    # then: the settings load and the deploy checks find nothing
    assert done.returncode == 0, done.stdout + done.stderr
