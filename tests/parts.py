"""The real parts a test run needs, checked before anything runs (the database and broker are
chosen, or started, by tests/servers.py when the settings load)."""

import os

import pytest

from config.embedded import listening


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.servers import STARTED

    return STARTED


def pytest_configure(config: pytest.Config) -> None:
    database_url = os.environ["DATABASE_URL"]
    broker_url = os.environ["CELERY_BROKER_URL"]
    if database_url.startswith("postgres") and not listening(database_url, 5432):
        pytest.exit(
            f"PostgreSQL is not reachable at {database_url}: start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or set DATABASE_URL",
            returncode=3,
        )
    if broker_url.startswith("redis") and not listening(broker_url, 6379):
        pytest.exit(
            f"Redis is not reachable at {broker_url}: start it "
            "(redis-server --daemonize yes --bind 127.0.0.1 --port 6379) "
            "or set CELERY_BROKER_URL",
            returncode=3,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """One SeaweedFS S3 server for the whole run, on free loopback ports in a temporary folder."""
    from django.conf import settings

    from storage.embedded import EmbeddedS3Server, free_port
    from storage.objects import get_storage

    server = EmbeddedS3Server(
        data_dir=tmp_path_factory.mktemp("s3"),
        access_key="test-access-key",
        secret_key="test-secret-key-for-the-run",
        s3_port=free_port(),
    )
    server.start()
    settings.S3_ENDPOINT = server.endpoint
    settings.S3_ACCESS_KEY = server.access_key
    settings.S3_SECRET_KEY = server.secret_key
    settings.S3_SECURE = False
    get_storage.cache_clear()
    get_storage().ensure_buckets()
    yield server
    server.stop()
    get_storage.cache_clear()


@pytest.fixture
def object_storage(s3_server):
    from storage.objects import get_storage

    return get_storage()


def shared_database_url() -> str:
    """The URL of the test run's database, for subprocesses (workers, manage.py) to share it."""
    from django.db import connection

    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Services called directly speak English in tests; requests still choose their language
    (Simplified Chinese by default) through the locale middleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """Django's test client asking for English, so that stories can assert exact messages;
    tests of the default language build their own client without the header."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})
