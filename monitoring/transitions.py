"""The one way to move a state machine (CONVENTIONS, "State machines").

lock the row → check the actor's permission and the transition's source state (after the lock)
→ call the transition → save the state field → record the event → schedule side effects on commit.
A transition method changes memory only; it never checks its own permission, so this does.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django_fsm import can_proceed, has_transition_perm

from config.errors import Refusal
from monitoring.services import Actor, Sealed, record_event

Instance = TypeVar("Instance", bound=models.Model)


class TransitionRefused(Refusal):
    """The object is not in a state that allows the transition; the message names both."""

    code = "conflict"
    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class StateInvariantBroken(RuntimeError):
    """A row lacks a value its state guarantees (a published tender without its bid deadline):
    a bug or a row edited by hand, never a user's mistake, so it is not a Refusal."""


def moment_set_by_state(instance: models.Model, field: str) -> datetime:
    """The moment `field` of `instance`, which its state guarantees is set: the transition into
    the state sets it, or the service checks it before (a published tender's schedule, a
    decrypting session's window). The model keeps it nullable for the states before."""
    moment = getattr(instance, field)
    if not isinstance(moment, datetime):
        raise StateInvariantBroken(
            f"{instance._meta.label} {instance.pk} is {getattr(instance, 'state', '')}"
            f" but has no {field}"
        )
    return moment


def apply_transition(
    instance: Instance,
    transition: str,
    *,
    actor: Actor,
    action: str,
    state_field: str = "state",
    payload: dict[str, Any] | None = None,
    arguments: Iterable[Any] = (),
    changed_fields: Iterable[str] = (),
    on_commit: Callable[[], None] | None = None,
    sealed: Sealed | None = None,
) -> Instance:
    """Apply `transition` to the locked row behind `instance` and log it; return the fresh row.

    Must run inside the caller's transaction, so that the change and its event commit together.
    `sealed` seals the event's identity (see `record_event`).
    """
    model = type(instance)
    locked = model._default_manager.select_for_update().get(pk=instance.pk)
    method = getattr(locked, transition)
    from_state = getattr(locked, state_field)
    if not can_proceed(method):
        raise TransitionRefused(
            f"{model._meta.verbose_name} {locked.pk} is {from_state}: "
            f"it cannot {transition.replace('_', ' ')} from that state"
        )
    if actor.user is not None and not has_transition_perm(method, actor.user):
        raise PermissionDenied(f"{actor.user} may not {transition.replace('_', ' ')} this")
    method(*arguments)
    locked.save(update_fields=[state_field, *changed_fields])
    record_event(
        actor=actor,
        action=action,
        object_type=model._meta.label_lower,
        object_id=str(locked.pk),
        from_state=str(from_state),
        to_state=str(getattr(locked, state_field)),
        payload=payload or {},
        sealed=sealed,
    )
    if on_commit is not None:
        transaction.on_commit(on_commit)
    return locked
