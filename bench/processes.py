"""What benchmarks share about processes, files and databases: /proc readings (peak and current
memory, children), a large file written without holding it, a scratch database."""

import os
from pathlib import Path
from urllib.parse import urlparse

MIB = 1024 * 1024


def status_kib(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in KiB (VmHWM: peak resident, VmRSS: resident now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_mib(pid: int | None = None) -> float:
    return status_kib(pid or os.getpid(), "VmHWM") / 1024


def resident_mib(pid: int) -> float:
    return status_kib(pid, "VmRSS") / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(item) for item in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def write_random_file(path: Path, size: int) -> None:
    """`size` bytes of one random MiB repeated, written a MiB at a time."""
    block = os.urandom(MIB)
    with path.open("wb") as sink:
        written = 0
        while written < size:
            piece = block[: min(MIB, size - written)]
            sink.write(piece)
            written += len(piece)


def _admin_url(base_url: str) -> str:
    return urlparse(base_url)._replace(path="/postgres").geturl()


def create_database(base_url: str, name: str) -> str:
    """A fresh database `name` on `base_url`'s server (dropped first); returns its URL."""
    import psycopg

    with psycopg.connect(_admin_url(base_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlparse(base_url)._replace(path=f"/{name}").geturl()


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(base_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
