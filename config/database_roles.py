"""The database's two roles: the owner, which runs migrations, and the application's role, which
may only INSERT and SELECT the event log (docs/operations.md, "Database roles").

The application connects as DATABASE_URL's role; `manage.py migrate` and `manage.py
database_roles` connect as DATABASE_OWNER_URL's role, which owns every table, and after each
migration grant the application's role (DATABASE_APP_ROLE) what it needs: everything on the
platform's tables but the log's, where UPDATE, DELETE and TRUNCATE are withheld, so that nobody
holding the application's credentials (a web host, a worker, an insider with its password)
can rewrite what happened. The owner's credentials stay with the deploy step.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.db import connections

# The event log and what proves it (monitoring/models.py): rows are only ever added.
APPEND_ONLY_TABLES = (
    "monitoring_event",
    "monitoring_eventcheckpoint",
    "monitoring_eventtreenode",
    "monitoring_sealedidentity",
)
# Django's record of applied migrations: the application reads it, only the owner writes it.
READ_ONLY_TABLES = ("django_migrations",)


class DatabaseRolesError(Exception):
    """The roles cannot be set up as configured; the message names the setting or step."""


def url_user(url: str) -> str:
    return unquote(urlparse(url).username or "")


def separate_database_roles() -> bool:
    """Whether the application connects as another role than the owner (production must)."""
    return url_user(settings.DATABASE_URL) != url_user(settings.DATABASE_OWNER_URL)


def owner_settings() -> dict[str, str]:
    """USER, PASSWORD, HOST and PORT of DATABASE_OWNER_URL (the database is the application's)."""
    parsed = urlparse(settings.DATABASE_OWNER_URL)
    return {
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
    }


@contextmanager
def owner_connection(alias: str = "default") -> Iterator[None]:
    """Within the block, `alias` connects as the owner, to the database it names now (a test
    run's test database included); afterwards as the application again."""
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved_role = options.pop("assume_role", None)
    connection.close()
    connection.settings_dict.update(owner_settings())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        if saved_role is not None:
            options["assume_role"] = saved_role


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(app_role: str, tables: list[str]) -> list[str]:
    """What the application's role may do on `tables` (those of the database's public schema)."""
    role = _identifier(app_role)
    statements = [f"GRANT USAGE ON SCHEMA public TO {role}"]
    for table in tables:
        name = _identifier(table)
        statements.append(f"REVOKE ALL ON TABLE {name} FROM {role}")
        if table in APPEND_ONLY_TABLES:
            statements.append(f"GRANT SELECT, INSERT ON TABLE {name} TO {role}")
        elif table in READ_ONLY_TABLES:
            statements.append(f"GRANT SELECT ON TABLE {name} TO {role}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {name} TO {role}")
    # Identity columns draw from sequences: nextval needs USAGE, never UPDATE (setval).
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return statements


def _role_exists(cursor: Any, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def _create_role(cursor: Any, role: str) -> None:
    """A role that logs in without a password, for a development server that trusts loopback
    connections; in production the operator creates it with a password first."""
    from psycopg import errors

    try:
        cursor.execute(f"CREATE ROLE {_identifier(role)} LOGIN")
    except (errors.DuplicateObject, errors.UniqueViolation):
        pass  # another process (a parallel test run) created it at the same moment
    except errors.InsufficientPrivilege:
        raise DatabaseRolesError(
            f"DATABASE_APP_ROLE={role!r} does not exist and DATABASE_OWNER_URL's role may not "
            f"create it: create it first (CREATE ROLE {role} LOGIN PASSWORD '…')"
        ) from None


def apply_roles(alias: str = "default") -> list[str]:
    """Grant the application's role its rights on every table of the database; returns the
    tables whose rows it may only add. Connects as the owner."""
    from django.db import transaction

    app_role = settings.DATABASE_APP_ROLE
    if app_role == owner_settings()["USER"]:
        raise DatabaseRolesError(
            f"DATABASE_APP_ROLE={app_role!r} is the owner's role (DATABASE_OWNER_URL): the "
            "application would keep the right to rewrite the event log"
        )
    with owner_connection(alias):
        connection = connections[alias]
        with connection.cursor() as cursor:
            if not _role_exists(cursor, app_role):
                _create_role(cursor, app_role)
        tables = [
            table for table in connection.introspection.table_names() if not table.startswith("pg_")
        ]
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for statement in grant_statements(app_role, tables):
                cursor.execute(statement)
    return [table for table in APPEND_ONLY_TABLES if table in tables]
