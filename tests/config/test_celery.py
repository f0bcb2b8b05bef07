"""A Celery worker keeps its database connection from one task to the next, as a web process
does between requests, and drops it only when it is broken or older than CONN_MAX_AGE."""

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from config.celery import app, close_old_database_connections


def _task(*, eager: bool = False) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_its_next_task_on_the_same_database_connection(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    first = _backend_pid()
    fixup = DjangoWorkerFixup(app)  # what Celery runs before and after every task
    close_old_database_connections(sender=_task())  # task_postrun
    fixup.close_database()
    close_old_database_connections(sender=_task())  # task_prerun of the next task
    fixup.close_database()

    assert _backend_pid() == first


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_dropped_after_the_task(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    first = _backend_pid()
    connection.connection.close()  # the server went away under the worker
    connection.errors_occurred = True

    close_old_database_connections(sender=_task())

    assert connection.connection is None
    assert _backend_pid() != first


@pytest.mark.django_db(transaction=True)
def test_a_connection_older_than_its_maximum_age_is_replaced(settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    first = _backend_pid()

    close_old_database_connections(sender=_task())

    assert _backend_pid() != first


@pytest.mark.django_db
def test_a_task_run_eagerly_leaves_its_callers_transaction_alone():
    first = _backend_pid()

    close_old_database_connections(sender=_task(eager=True))

    assert connection.in_atomic_block
    assert _backend_pid() == first
