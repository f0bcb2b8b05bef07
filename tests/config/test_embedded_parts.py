"""`make run` on a machine with nothing running: it starts the embedded PostgreSQL and broker
where none is configured or answering, and leaves a configured one alone."""

import psycopg
import redis

from config.embedded import listening
from config.run import start_embedded_broker, start_embedded_database
from storage.embedded import free_port


def test_the_embedded_database_starts_where_none_answers(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    port = free_port()
    url = f"postgres://postgres@127.0.0.1:{port}/platform"
    # The defaults' shape: the server is made and the database created as the owner.
    settings.DATABASE_URL = f"postgres://platform_app@127.0.0.1:{port}/platform"
    settings.DATABASE_OWNER_URL = url
    settings.EMBEDDED_DATABASE_DATA_DIR = tmp_path / "postgres"

    server = start_embedded_database()
    try:
        with psycopg.connect(url) as connection:
            name, version = connection.execute(
                "SELECT current_database(), current_setting('server_version_num')::int"
            ).fetchone()
        assert name == "platform"
        assert version >= 180000
        assert (tmp_path / "postgres" / "cluster" / "PG_VERSION").read_text().strip() == "18"
    finally:
        server.stop()
    assert not listening(url, 5432)


def test_a_configured_database_is_used_as_it_is(settings, monkeypatch):
    url = f"postgres://postgres@127.0.0.1:{free_port()}/platform"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.DATABASE_URL = url

    assert start_embedded_database() is None
    assert not listening(url, 5432)


def test_the_embedded_broker_starts_where_none_answers(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.EMBEDDED_BROKER_DATA_DIR = tmp_path / "broker"

    server = start_embedded_broker()
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        client.lpush("platform", "task")
        assert client.lrange("platform", 0, -1) == [b"task"]
        assert (tmp_path / "broker" / "appendonlydir").is_dir()
    finally:
        server.stop()
    assert not listening(settings.CELERY_BROKER_URL, 6379)
