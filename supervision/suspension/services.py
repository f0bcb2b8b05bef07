"""Suspending and resuming a tender as a supervisor's action (招标投标法实施条例 第六十二条: the
supervising authority may order the tendering suspended while it handles a complaint).

trading.services.tender_suspend and tender_resume move the tender (Tender.suspend and resume:
back to the state it left) and write the one event of the change; these services check first,
with a message naming what is wrong: only a supervisor, a reason given, a state that allows it,
and never lifting a suspension the law imposes while an objection awaits its answer.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from config.errors import Refusal
from monitoring.transitions import TransitionRefused
from trading.models import SUSPENDABLE, Tender, TenderState
from trading.services import tender_resume, tender_suspend

# The cause trading.objections and trading.award give a suspension while an objection waits.
OBJECTION = "objection"
MAXIMUM_REASON_LENGTH = 500  # trading's API takes no longer one


def _require_supervisor(acting: Acting) -> None:
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(
            _("only a supervisor suspends or resumes a tender; %(user)s is not one")
            % {"user": acting.user.get_username()}
        )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Refusal("reason_required", _("say why"), field="reason")
    if len(reason) > MAXIMUM_REASON_LENGTH:
        raise Refusal(
            "reason_too_long",
            _("a reason is at most %(count)d characters") % {"count": MAXIMUM_REASON_LENGTH},
            field="reason",
        )
    return reason


def _locked(tender_id: UUID) -> Tender:
    tender = Tender.objects.select_for_update().filter(pk=tender_id).first()
    if tender is None:
        raise Refusal("tender_not_found", _("No such tender."), status=404)
    return tender


def _state_label(state: str) -> str:
    return str(TenderState(state).label)


@transaction.atomic
def suspension_order(*, acting: Acting, tender_id: UUID, reason: str) -> Tender:
    """Suspend a tender from publication to the award; it keeps the state it left."""
    _require_supervisor(acting)
    reason = _reason(reason)
    tender = _locked(tender_id)
    if tender.state == TenderState.SUSPENDED:
        raise TransitionRefused(
            _("tender %(id)s is already suspended (%(cause)s)")
            % {"id": tender.pk, "cause": _cause(tender)}
        )
    if tender.state not in SUSPENDABLE:
        raise TransitionRefused(
            _(
                "tender %(id)s is %(state)s: a tender is suspended between its publication and "
                "its award (%(states)s)"
            )
            % {
                "id": tender.pk,
                "state": _state_label(tender.state),
                "states": ", ".join(_state_label(state) for state in SUSPENDABLE),
            }
        )
    return tender_suspend(acting=acting, tender_id=tender.pk, reason=reason)


@transaction.atomic
def suspension_lift(*, acting: Acting, tender_id: UUID, reason: str) -> Tender:
    """Resume a tender a supervisor suspended, to the state it left."""
    _require_supervisor(acting)
    reason = _reason(reason)
    tender = _locked(tender_id)
    if tender.state != TenderState.SUSPENDED:
        raise TransitionRefused(
            _("tender %(id)s is %(state)s, not suspended: there is nothing to resume")
            % {"id": tender.pk, "state": _state_label(tender.state)}
        )
    if tender.suspension_cause == OBJECTION:
        # 条例 第二十二条、第五十四条: suspended until the tenderee answers; the answers lift it.
        raise TransitionRefused(
            _(
                "tender %(id)s is suspended until the tenderee answers the objections "
                "(招标投标法实施条例 第二十二条、第五十四条): it resumes with the last answer"
            )
            % {"id": tender.pk}
        )
    return tender_resume(acting=acting, tender_id=tender.pk, reason=reason)


def suspension_actions_open(tender: Tender) -> list[str]:
    """What a supervisor may do to the tender in its state: "suspend", "resume" or nothing (the
    page shows these buttons; the services above check again under the lock)."""
    if tender.state in SUSPENDABLE:
        return ["suspend"]
    if tender.state == TenderState.SUSPENDED and tender.suspension_cause != OBJECTION:
        return ["resume"]
    return []


def _cause(tender: Tender) -> str:
    if tender.suspension_cause == OBJECTION:
        return _("until the tenderee answers the objections")
    return _("by a supervisor")
