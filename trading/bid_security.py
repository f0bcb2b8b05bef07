"""The refund of bid security (投标保证金退还), recorded by the tenderee or its agent: to the
winner after the contract, to the other bidders after the award notice. The platform does not
move money; it records when it went back, and the supervisors' timeliness rule
(supervision/rules, `bid_security_refund`) compares that with the legal due dates
(trading.law.periods.bid_security_refund_due)."""

import datetime as dt
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from monitoring.clock import database_now
from monitoring.services import record_event
from trading.models import Tender, TenderState
from trading.services import TenderInvalid, manager_role

RECIPIENTS = ("winner", "others")
AFTER_AWARD = (TenderState.AWARDED, TenderState.CONTRACTED, TenderState.ARCHIVED)


@transaction.atomic
def bid_security_refund_record(
    *, acting: Acting, tender_id: UUID, recipients: str, refunded_at: dt.datetime
) -> Tender:
    """Record that the bid security went back to `recipients` ("winner" or "others") at
    `refunded_at`; one event, `bid_security.refunded`, read by the timeliness rule."""
    tender = (
        Tender.objects.select_for_update(of=("self",)).select_related("project").get(pk=tender_id)
    )
    role = manager_role(acting, tender.project)
    if recipients not in RECIPIENTS:
        raise TenderInvalid({"recipients": _("must be winner or others")})
    if tender.bid_security_fen == 0:
        raise TenderInvalid({"recipients": _("this tender asked no bid security")})
    if tender.state not in AFTER_AWARD:
        raise TenderInvalid({"recipients": _("bid security is refunded once the winner is chosen")})
    if refunded_at.tzinfo is None:
        raise TenderInvalid({"refunded_at": _("must be an aware date and time")})
    if refunded_at > database_now():
        raise TenderInvalid({"refunded_at": _("a refund cannot be recorded in the future")})
    record_event(
        actor=acting.as_actor(role=role),
        action="bid_security.refunded",
        object_type="trading.tender",
        object_id=str(tender.pk),
        payload={"recipients": recipients, "refunded_at": refunded_at.isoformat()},
    )
    return tender
