"""What benchmarks share about processes, files and databases: /proc readings (peak and current
memory, CPU time, children), a large file written without holding it, a scratch database."""

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


def _stat_fields(pid: int) -> list[str]:
    try:
        # The command name may hold spaces or parentheses: fields start after the last ")".
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU time of a process (all its threads) so far; with `reaped_children`,
    also that of its children that exited and were waited for."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    # After the ")": state is field 0, utime 11, stime 12, cutime 13, cstime 14 (proc(5)).
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine, including backends that exited
    (counted in the postmaster's reaped children): a difference of two readings is what the
    server spent in between, whichever backends came and went."""
    names = {"postgres", "postmaster"}
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or _command_name(int(entry.name)) not in names:
            continue
        fields = _stat_fields(int(entry.name))
        if fields:
            postmaster = _command_name(int(fields[1])) not in names  # its parent is not one
            total += cpu_seconds(int(entry.name), reaped_children=postmaster)
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(item) for item in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
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
