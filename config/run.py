"""`make run`: the whole platform on one machine, on embedded defaults.

Starts what is neither configured nor already listening: the embedded PostgreSQL (unless
DATABASE_URL is set or a server answers at its default address), the embedded broker (likewise
CELERY_BROKER_URL) and the embedded S3 server (unless S3_ENDPOINT names one). Then checks every
part, migrates, loads the demo, and runs the key service, a Celery worker, Celery beat and the
web server, prefixing their output. Ctrl-C (or any of them stopping) stops everything this started.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import django
from django.conf import settings
from django.core.management import CommandError, call_command

from config.database_roles import separate_database_roles

if TYPE_CHECKING:
    from config.embedded import EmbeddedBroker, EmbeddedPostgreSQL
    from storage.embedded import EmbeddedS3Server

PROCESS_STOP_GRACE_SECONDS = 10


class Supervisor:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = threading.Event()

    def spawn(
        self,
        name: str,
        command: list[str],
        environment: Mapping[str, str] | None = None,
        *,
        process: str = "",
    ) -> None:
        """`process`: the child's PLATFORM_PROCESS (signing/custody.py: which keys it holds)."""
        child = subprocess.Popen(
            command,
            env={**os.environ, **(environment or {}), "PLATFORM_PROCESS": process},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only us; we stop children in order
            text=True,
            bufsize=1,
        )
        self.children.append((name, child))
        threading.Thread(target=self._relay, args=(name, child), daemon=True).start()

    @staticmethod
    def _relay(name: str, child: subprocess.Popen) -> None:
        for line in child.stdout:
            sys.stdout.write(f"[{name}] {line}")
            sys.stdout.flush()

    def wait(self) -> None:
        """Return when asked to stop or when any child has exited."""
        while not self.stopping.is_set():
            for name, child in self.children:
                if child.poll() is not None:
                    print(f"[run] {name} exited with code {child.returncode}; stopping")
                    return
            time.sleep(0.5)

    def stop(self) -> None:
        for _, child in reversed(self.children):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for _, child in reversed(self.children):
            try:
                child.wait(timeout=PROCESS_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def start_embedded_s3() -> "EmbeddedS3Server | None":
    """Start the embedded S3 server, unless S3_ENDPOINT names one to use instead."""
    if "S3_ENDPOINT" in os.environ:
        return None
    from storage.embedded import EmbeddedS3Server

    host, _, port = settings.S3_ENDPOINT.partition(":")
    server = EmbeddedS3Server(
        data_dir=settings.EMBEDDED_S3_DATA_DIR,
        access_key=settings.S3_ACCESS_KEY,
        secret_key=settings.S3_SECRET_KEY,
        s3_port=int(port or 8333),
        host=host,
    )
    print(
        f"[run] starting the embedded S3 server on {server.endpoint} "
        f"(data in {settings.EMBEDDED_S3_DATA_DIR})"
    )
    server.start()
    return server


def start_embedded_database(*, named: bool | None = None) -> "EmbeddedPostgreSQL | None":
    """Start the embedded PostgreSQL at the default DATABASE_URL's address, unless DATABASE_URL
    is set (`named`: by the user, not by `make demo`, which names its own database) or a server
    already answers there; create the default database on either, as the owner
    (DATABASE_OWNER_URL: the server's superuser by default)."""
    if named is None:
        named = "DATABASE_URL" in os.environ
    if named:
        return None
    from config.embedded import EmbeddedPostgreSQL, ensure_database, listening

    url = settings.DATABASE_OWNER_URL
    server = None
    if listening(url, 5432):
        print(f"[run] using the PostgreSQL server that answers at {url}")
    else:
        address = urlparse(url)
        server = EmbeddedPostgreSQL(
            data_dir=settings.EMBEDDED_DATABASE_DATA_DIR,
            host=address.hostname,
            port=address.port or 5432,
            user=address.username or "postgres",
        )
        print(
            f"[run] starting the embedded PostgreSQL at {url} "
            f"(data in {settings.EMBEDDED_DATABASE_DATA_DIR})"
        )
        server.start()
    ensure_database(url)
    return server


def start_embedded_broker() -> "EmbeddedBroker | None":
    """Start the embedded broker at the default CELERY_BROKER_URL's address, unless
    CELERY_BROKER_URL is set or a server already answers there."""
    if "CELERY_BROKER_URL" in os.environ:
        return None
    from config.embedded import EmbeddedBroker, listening

    url = settings.CELERY_BROKER_URL
    if listening(url, 6379):
        print(f"[run] using the Redis server that answers at {url}")
        return None
    address = urlparse(url)
    server = EmbeddedBroker(
        data_dir=settings.EMBEDDED_BROKER_DATA_DIR,
        host=address.hostname,
        port=address.port or 6379,
    )
    print(
        f"[run] starting the embedded broker (Valkey) at {url} "
        f"(data in {settings.EMBEDDED_BROKER_DATA_DIR})"
    )
    server.start()
    return server


def load_demo_data() -> dict[str, str]:
    """`make run`'s demo: identities, certificates, and tenders in several states for every role
    to look at (docs/operations.md). Returns no environment for the platform's processes."""
    call_command("load_demo")
    call_command("load_demo_tenders")
    call_command("load_demo_opening")
    call_command("load_demo_pool")
    return {}


def spawn_platform(
    supervisor: Supervisor, *, address: str, environment: Mapping[str, str] | None = None
) -> None:
    """A Celery worker, Celery beat and the web server."""
    python = sys.executable
    bin_dir = Path(python).parent
    # The evaluation private key: in the key service and the worker, never in the web
    # process, which asks the key service over this socket (docs/operations.md).
    os.environ.setdefault(
        "SIGNING_KEY_SERVICE_SOCKET", str(settings.VAR_DIR / "run" / "key-service.sock")
    )
    supervisor.spawn(
        "keys", [python, "-m", "signing.keyservice"], environment, process="key_service"
    )
    supervisor.spawn(
        "worker",
        [
            str(bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        environment,
        process="worker",
    )
    supervisor.spawn(
        "beat",
        [
            str(bin_dir / "celery"),
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(settings.VAR_DIR / "celerybeat-schedule"),
        ],
        environment,
    )
    # Django's development server, with a backlog for many bidders at once (devserver.py).
    supervisor.spawn("web", [python, "-m", "config.devserver", address], environment, process="web")


def main(
    *,
    load: Callable[[], dict[str, str]] = load_demo_data,
    database_named: bool | None = None,
) -> int:
    """Start the parts, migrate, `load` (which returns environment variables for the platform's
    processes), and run the platform until Ctrl-C. `make demo` (config/demo) passes its own."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Inherited by the web server, worker and beat: glibc otherwise gives each thread its own
    # malloc arena, which keeps freed part buffers resident (docs/bids.md, "Memory").
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    django.setup()
    address = os.environ.get("PLATFORM_HTTP_ADDRESS", "127.0.0.1:8000")
    supervisor = Supervisor()
    servers: list = []

    def request_stop(signum: int, frame: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server = start_embedded_database(named=database_named)
        if server is not None:
            servers.append(server)
        for start in (start_embedded_broker, start_embedded_s3):
            server = start()
            if server is not None:
                servers.append(server)
        # The application's role first (created where missing), so that preflight connects
        # as it; migrate then runs as the owner and grants it the new tables.
        if separate_database_roles():
            call_command("database_roles")
        call_command("preflight")
        call_command("migrate", interactive=False, verbosity=0)
        environment = load()
        spawn_platform(supervisor, address=address, environment=environment)
        print(
            f"[run] the platform is at http://{address}/  (admin: http://{address}/admin/, "
            f"health: http://{address}/healthz); Ctrl-C stops everything"
        )
        supervisor.wait()
    except CommandError as error:
        print(f"[run] cannot start: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # one clear line instead of a traceback for a misconfigured part
        print(f"[run] cannot start: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        print("[run] stopping")
        supervisor.stop()
        for server in reversed(servers):
            server.stop()
        print("[run] stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
