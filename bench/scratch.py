"""A throw-away platform for one bench run: an S3 server, a database and a CA folder in a
scratch directory, the environment the platform's processes read, and a Celery queue of the
run's own; everything removed at the end, the queue included."""

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.processes import create_database, drop_database

if TYPE_CHECKING:
    from storage.embedded import EmbeddedS3Server

CA_PASSPHRASE = "bench passphrase of the platform CA"  # noqa: S105 - a throwaway CA


@dataclass(frozen=True)
class Scratch:
    folder: Path
    server: "EmbeddedS3Server"
    environment: dict[str, str]
    queue: str


@contextlib.contextmanager
def scratch_platform(
    *,
    name: str,
    database: str,
    broker: str,
    access_key: str,
    secret_key: str,
    directory: Path | None = None,
    environment: dict[str, str] | None = None,
) -> Iterator[Scratch]:
    """Start the parts, set this process's environment for Django (set up by the caller) and
    yield them; `database` is created on DATABASE_URL's server (dropped first) and dropped
    after. The environment holds the Celery queue the run's hand-overs use."""
    from storage.embedded import EmbeddedS3Server, free_port

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    queue = f"{name}-{os.getpid()}"
    with tempfile.TemporaryDirectory(dir=directory, prefix=f"{name}-") as scratch:
        folder = Path(scratch)
        server = EmbeddedS3Server(
            data_dir=folder / "s3",
            access_key=access_key,
            secret_key=secret_key,
            s3_port=free_port(),
        )
        server.start()
        database_url = create_database(base_url, database)
        run_environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "S3_ENDPOINT": server.endpoint,
            "S3_ACCESS_KEY": access_key,
            "S3_SECRET_KEY": secret_key,
            "SIGNING_CA_DIR": str(folder / "ca"),
            "SIGNING_CA_PASSPHRASE": CA_PASSPHRASE,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "BID_DECRYPTION_QUEUE": queue,
            **(environment or {}),
        }
        os.environ.update(run_environment)
        try:
            yield Scratch(folder, server, run_environment, queue)
        finally:
            server.stop()
            if "django.db" in sys.modules:
                from django.db import connections

                connections.close_all()
            drop_database(base_url, database)
            _purge(broker, queue)


def _purge(broker: str, queue: str) -> None:
    """Drop the run's queue (and the jobs left in it) from the bench's Redis database."""
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(broker).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
