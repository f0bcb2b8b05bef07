"""Start-up: production mode is hardened, and a misconfigured part stops with one clear line."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from storage.embedded import free_port
from tests.parts import shared_database_url

PROJECT = Path(__file__).resolve().parents[2]


def manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": shared_database_url(),
            **environment,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "PLATFORM_MODE": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "ggzy.example.gov.cn",
    "SIGNING_CA_PASSPHRASE": secrets.token_urlsafe(32),
    # The application connects as its own role, migrations as the owner (docs/operations.md).
    "DATABASE_URL": "postgres://platform_app@127.0.0.1:5432/platform",
    "DATABASE_OWNER_URL": "postgres://postgres@127.0.0.1:5432/platform",
    # A run on a set test clock shifts the database clock; production refuses that (below).
    "PLATFORM_CLOCK_OFFSET_SECONDS": "0",
}


@pytest.mark.django_db
def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_production_refuses_the_development_secret():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters" in (
        result.stderr
    )


@pytest.mark.django_db
def test_production_refuses_a_shifted_database_clock():
    result = manage("check", **{**PRODUCTION, "PLATFORM_CLOCK_OFFSET_SECONDS": "3600"})
    assert result.returncode != 0
    assert "PLATFORM_CLOCK_OFFSET_SECONDS is for test runs: unset it in production mode" in (
        result.stderr
    )


def test_production_sends_security_headers(client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'"
    response = client.get("/accounts/login/")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_production_refuses_the_development_ca_passphrase():
    development = "development passphrase of the platform CA, not for production"
    result = manage("check", **{**PRODUCTION, "SIGNING_CA_PASSPHRASE": development})
    assert result.returncode != 0
    assert "SIGNING_CA_PASSPHRASE is the development passphrase: set its own" in result.stderr


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.django_db
def test_wrong_s3_keys_stop_start_up_with_one_line(s3_server):
    result = manage(
        "preflight",
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY="wrong",
        S3_SECRET_KEY="wrong-secret",
    )
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(
        "CommandError: object storage is not usable: S3_ACCESS_KEY / S3_SECRET_KEY are refused"
    )


@pytest.mark.django_db
def test_a_bucket_name_s3_refuses_stops_start_up_with_one_line(s3_server):
    result = manage(
        "preflight",
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY=s3_server.access_key,
        S3_SECRET_KEY=s3_server.secret_key,
        S3_BUCKET_BIDS="Bids_Not_Allowed",
    )
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(
        "CommandError: object storage is not usable: S3_BUCKET_BIDS='Bids_Not_Allowed' is refused"
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:{port}/platform",
            "CommandError: database is not usable: DATABASE_URL: ",
        ),
        (
            "CELERY_BROKER_URL",
            "redis://127.0.0.1:{port}/0",
            "CommandError: broker is not usable: CELERY_BROKER_URL: ",
        ),
    ],
)
@pytest.mark.django_db
def test_an_unreachable_part_stops_start_up_with_one_line(variable, value, expected):
    result = manage("preflight", **{variable: value.format(port=free_port())})
    assert result.returncode == 1
    assert one_line(result.stderr).startswith(expected)


def test_the_web_starts_without_pyhanko():
    """pyHanko (and aiohttp through it) is imported at the first signature check, not with the
    URLconf: memory of every web process (docs/bids.md, Memory)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": shared_database_url()})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, config.wsgi, config.urls\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyhanko', "
            "'pyhanko_certvalidator', 'aiohttp'}))",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.django_db
def test_a_checkpoint_interval_not_below_the_maximum_is_refused():
    result = manage(
        "check",
        EVENT_CHECKPOINT_INTERVAL_SECONDS="3600",
        EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS="3600",
    )
    assert result.returncode != 0
    assert (
        "EVENT_CHECKPOINT_INTERVAL_SECONDS must be positive and below "
        "EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS, or every checkpoint would be late"
    ) in result.stderr
