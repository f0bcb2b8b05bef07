"""Serialising writers that must number things in commit order (the event chain, notices)."""

from typing import TypeVar

from django.db import IntegrityError, models, transaction

Singleton = TypeVar("Singleton", bound=models.Model)


def locked_singleton(model: type[Singleton]) -> Singleton:
    """The model's one row (pk=1), created if missing, locked until the caller's transaction ends.

    Writers that take this lock queue up, so what they number becomes visible in number order.
    """
    # The row exists but once: lock it straight away (one statement on every later call).
    row = model.objects.select_for_update().filter(pk=1).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            model.objects.get_or_create(pk=1)
    except IntegrityError:
        pass  # another transaction created it first; the lock below waits for it
    return model.objects.select_for_update().get(pk=1)
