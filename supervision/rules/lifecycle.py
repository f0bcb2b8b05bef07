"""A supervisor's actions on an alert: acknowledge it (open → acknowledged), then resolve it with
a note (acknowledged → resolved). One event each; a step its state forbids is refused (409)
and changes nothing; only supervisors act (403)."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from config.errors import Refusal
from monitoring.clock import database_now
from monitoring.models import Alert, AlertState
from monitoring.transitions import TransitionRefused, apply_transition

NOTE_LENGTH = 2000


def _require_supervisor(acting: Acting) -> None:
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(_("only a supervisor acknowledges or resolves an alert"))


def _locked_alert(alert_id: int | str | UUID) -> Alert:
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise Refusal(
            "alert_not_found", _("There is no alert %(id)s.") % {"id": alert_id}, status=404
        )
    return alert


def _refuse_state(alert: Alert, step: str, needed: str) -> TransitionRefused:
    return TransitionRefused(
        _("Alert %(id)s is %(state)s: only an alert that is %(needed)s can be %(step)s.")
        % {
            "id": alert.pk,
            "state": AlertState(alert.state).label,
            "needed": AlertState(needed).label,
            "step": step,
        }
    )


@transaction.atomic
def alert_acknowledge(*, acting: Acting, alert_id: int | str) -> Alert:
    """The supervisor has seen the alert and follows it up."""
    _require_supervisor(acting)
    alert = _locked_alert(alert_id)
    if alert.state != AlertState.OPEN:
        raise _refuse_state(alert, _("acknowledged"), AlertState.OPEN)
    return apply_transition(
        alert,
        "acknowledge",
        actor=acting.as_actor(Role.SUPERVISOR),
        action="alert.acknowledged",
        arguments=(acting.user, database_now()),
        changed_fields=["acknowledged_by", "acknowledged_at"],
        payload={"kind": alert.kind, "severity": alert.severity},
    )


@transaction.atomic
def alert_resolve(*, acting: Acting, alert_id: int | str, note: str) -> Alert:
    """The supervisor closes the alert, saying in the note what was found or done."""
    _require_supervisor(acting)
    note = (note or "").strip()
    if not note:
        raise Refusal(
            "note_required",
            _("note: say what was found or done; an alert is resolved with a note"),
            field="note",
        )
    if "\x00" in note:
        raise Refusal("text_invalid", _("note holds the NUL character."), field="note")
    if len(note) > NOTE_LENGTH:
        raise Refusal(
            "note_too_long",
            _("note: at most %(length)d characters; it has %(actual)d")
            % {"length": NOTE_LENGTH, "actual": len(note)},
            field="note",
        )
    alert = _locked_alert(alert_id)
    if alert.state != AlertState.ACKNOWLEDGED:
        raise _refuse_state(alert, _("resolved"), AlertState.ACKNOWLEDGED)
    return apply_transition(
        alert,
        "resolve",
        actor=acting.as_actor(Role.SUPERVISOR),
        action="alert.resolved",
        arguments=(acting.user, database_now(), note),
        changed_fields=["resolved_by", "resolved_at", "note"],
        payload={"kind": alert.kind, "severity": alert.severity, "note": note},
    )
