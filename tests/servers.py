"""The test run's PostgreSQL and Redis: used where they answer, started where they do not.

A run uses PostgreSQL and Redis at DATABASE_URL and CELERY_BROKER_URL when they are set. When one
is not set, it uses the server at the default address if one answers there, and otherwise starts
a throw-away one (config/embedded.py) in a temporary folder, stopped and removed when the run
ends. As with the test clock (tests/clock.py), the first process decides and hands the URLs to
every subprocess (workers, manage.py) in the environment. PLATFORM_TEST_SERVERS=throw-away starts
throw-away servers even where the defaults answer.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from config.embedded import EmbeddedBroker, EmbeddedPostgreSQL, listening
from storage.embedded import free_port

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/platform"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/15"
DATABASE_NAME = "platform"
BROKER_DATABASE = 15
SERVERS = "PLATFORM_TEST_SERVERS"
THROW_AWAY = "throw-away"
# What this process started, for the run's report header (tests/parts.py).
STARTED: list[str] = []


def use_or_start_servers() -> None:
    """Called by the test settings: set DATABASE_URL and CELERY_BROKER_URL for this process and
    its subprocesses, starting a throw-away server for each that is neither set nor answering."""
    always = os.environ.get(SERVERS) == THROW_AWAY
    missing = []
    if "DATABASE_URL" not in os.environ:
        if not always and listening(DEFAULT_DATABASE_URL, 5432):
            os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
        else:
            missing.append("database")
    if "CELERY_BROKER_URL" not in os.environ:
        if not always and listening(DEFAULT_BROKER_URL, 6379):
            os.environ["CELERY_BROKER_URL"] = DEFAULT_BROKER_URL
        else:
            missing.append("broker")
    if not missing:
        return
    folder = Path(tempfile.mkdtemp(prefix="platform-test-servers-"))
    servers: list[EmbeddedPostgreSQL | EmbeddedBroker] = []

    def stop() -> None:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    if "database" in missing:
        database = EmbeddedPostgreSQL(
            data_dir=folder / "postgres", port=free_port(), throw_away=True
        )
        servers.append(database)
        database.start()
        os.environ["DATABASE_URL"] = database.url(DATABASE_NAME)
        STARTED.append(
            f"PostgreSQL is not set or answering at {DEFAULT_DATABASE_URL}: "
            f"using a throw-away one at {os.environ['DATABASE_URL']} (in {folder})"
        )
    if "broker" in missing:
        broker = EmbeddedBroker(data_dir=folder / "broker", port=free_port(), durable=False)
        servers.append(broker)
        broker.start()
        os.environ["CELERY_BROKER_URL"] = broker.url(BROKER_DATABASE)
        STARTED.append(
            f"Redis is not set or answering at {DEFAULT_BROKER_URL}: "
            f"using a throw-away Valkey at {os.environ['CELERY_BROKER_URL']} (in {folder})"
        )
