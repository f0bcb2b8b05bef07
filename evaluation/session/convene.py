"""Convening the panel (the tenderee or its agent, once every seat is confirmed) and the
election of its leader (the members, 评标委员会负责人由评标委员会成员推举产生)."""

import datetime as dt
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from evaluation.errors import EvaluationRefused
from evaluation.models import (
    EvaluationSession,
    Panel,
    PanelSeat,
    PanelState,
    SeatState,
    SessionState,
)
from evaluation.refusals import refusals_logged
from evaluation.room.services import bid_codes_assign
from evaluation.session.common import (
    in_the_room,
    locked_session,
    member_actor,
    member_seat,
    require_state,
    sealed_for,
)
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition
from trading.models import Tender, TenderState
from trading.services import manager_role

# The longest session one convening may book; a longer evaluation is convened again.
LONGEST_SESSION = dt.timedelta(days=7)


@refusals_logged
@transaction.atomic
def session_convene(
    *, acting: Acting, tender_id: UUID, starts_at: dt.datetime, ends_at: dt.datetime
) -> EvaluationSession:
    """Open the session in the closed area for the window given: opened → evaluating."""
    tender = (
        Tender.objects.select_for_update(of=("self",)).select_related("project").get(pk=tender_id)
    )
    role = manager_role(acting, tender.project)
    if tender.state != TenderState.OPENED:
        raise EvaluationRefused(
            "conflict",
            _("tender %(id)s is %(state)s: a panel is convened once the bids are opened")
            % {"id": tender.pk, "state": TenderState(tender.state).label},
            status=409,
        )
    panel = Panel.objects.filter(tender=tender).first()
    if panel is None or panel.state != PanelState.COMPLETE:
        raise EvaluationRefused(
            "conflict",
            _("the panel is not complete: every drawn member must confirm first"),
            status=409,
        )
    now = database_now()
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise EvaluationRefused(message=_("the window needs aware times"), field="starts_at")
    if ends_at <= starts_at:
        raise EvaluationRefused(message=_("the session must end after it starts"), field="ends_at")
    if ends_at <= now:
        raise EvaluationRefused(message=_("the session would be over already"), field="ends_at")
    if ends_at - starts_at > LONGEST_SESSION:
        raise EvaluationRefused(
            message=_("a session lasts at most %(days)s days") % {"days": LONGEST_SESSION.days},
            field="ends_at",
        )
    session = EvaluationSession.objects.create(
        tender=tender, panel=panel, starts_at=starts_at, ends_at=ends_at, convened_at=now
    )
    # Each decrypted bid gets its row and the code it appears under (暗标).
    codes = bid_codes_assign(session_id=session.pk, actor=acting.as_actor(role=role))
    apply_transition(
        tender,
        "start_evaluation",
        actor=acting.as_actor(role=role),
        action="tender.evaluation_started",
        payload={"session": str(session.pk), "bids": len(codes)},
    )
    record_event(
        actor=acting.as_actor(role=role),
        action="evaluation.convened",
        object_type="evaluation.evaluationsession",
        object_id=str(session.pk),
        to_state=SessionState.CONVENED,
        payload={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return session


@refusals_logged
@in_the_room
@transaction.atomic
def session_elect_leader(
    *, acting: Acting, tender_id: UUID, leader_seat_id: UUID
) -> EvaluationSession:
    """Record the leader the members chose; entered by one of them."""
    session = locked_session(tender_id)
    member_seat(acting, session)
    require_state(session, SessionState.CONVENED)
    leader = PanelSeat.objects.filter(
        pk=leader_seat_id, panel_id=session.panel_id, state=SeatState.CONFIRMED
    ).first()
    if leader is None:
        raise EvaluationRefused(
            message=_("the leader must be a confirmed member of the panel"),
            field="leader_seat_id",
        )
    return apply_transition(
        session,
        "elect_leader",
        actor=member_actor(acting),
        action="evaluation.leader_elected",
        arguments=[leader],
        changed_fields=["leader"],
        payload={},
        sealed=sealed_for(session, leader_seat=str(leader.pk)),
    )
