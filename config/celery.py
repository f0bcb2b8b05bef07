"""The Celery application: tasks are discovered in every app's tasks.py."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender: Any = None, **kwargs: Any) -> None:
    """Around each task, what Django does around each request: close a connection that is
    broken or older than CONN_MAX_AGE, keep the others (CELERY_DB_REUSE_MAX stops Celery's
    fix-up from closing every connection after every task). Not for a task run eagerly, inside
    its caller's transaction."""
    from django.db import close_old_connections

    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
