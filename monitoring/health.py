"""Probes of the real parts: database, broker, object storage. Used by /healthz and preflight.

/healthz tells the public only "ok" or "down" (a load balancer needs no more); which part is
down, and why, names hosts, ports and buckets, so it is shown only to the operators' networks
(OPERATIONS_ALLOWED_NETWORKS) or to a request bearing OPERATIONS_TOKEN (monitoring/operations.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from kombu import Connection

from storage.objects import StorageError, get_storage


@dataclass(frozen=True)
class PartHealth:
    name: str
    healthy: bool
    detail: str


def check_database() -> PartHealth:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down", reported as one line
        return PartHealth("database", False, f"DATABASE_URL: {first_line(error)}")
    return PartHealth("database", True, connection.vendor)


def check_broker() -> PartHealth:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            transport = broker.transport_cls
    except Exception as error:  # any failure means "down", reported as one line
        return PartHealth("broker", False, f"CELERY_BROKER_URL: {first_line(error)}")
    return PartHealth("broker", True, str(transport))


def check_object_storage() -> PartHealth:
    try:
        get_storage().ping()
    except StorageError as error:
        return PartHealth("object_storage", False, str(error))
    return PartHealth("object_storage", True, settings.S3_ENDPOINT)


def check_all() -> list[PartHealth]:
    return [check_database(), check_broker(), check_object_storage()]


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
