"""Use cases of objections to the tender documents (异议, 招标投标法实施条例 第二十二条).

A bidder that obtained the documents may object until 10 days before the deadline; the tenderee
answers within 3 days, and in the works regime the procedure is suspended until it has.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, RoleMembership
from monitoring.clock import database_now
from monitoring.services import Actor, Sealed, record_event
from monitoring.transitions import TransitionRefused, apply_transition
from trading.law.periods import objection_answer_due, objection_to_documents_allowed
from trading.law.rules import Regime
from trading.models import (
    DocumentDownload,
    DocumentObjection,
    ObjectionState,
    Tender,
    TenderState,
)
from trading.services import Acting, TenderInvalid, manager_role

# While an objection waits for its answer the tender is suspended on the platform's authority.
PLATFORM = Actor(role="platform")


@transaction.atomic
def objection_raise(*, acting: Acting, tender_id: UUID, text: str) -> DocumentObjection:
    tender = (
        Tender.objects.select_related("project").select_for_update(of=("self",)).get(pk=tender_id)
    )
    membership = (
        RoleMembership.objects.filter(user=acting.user, role=Role.BIDDER)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        raise PermissionDenied(_("only a bidder objects to tender documents"))
    # A bidder's membership always names its organisation (the database constraint
    # role_membership_organisation_matches_role).
    assert membership.organisation is not None
    first_download = (
        DocumentDownload.objects.filter(tender=tender, organisation=membership.organisation)
        .order_by("downloaded_at")
        .first()
    )
    if first_download is None:
        raise PermissionDenied(_("only a bidder that obtained the documents may object to them"))
    if tender.state not in (TenderState.PUBLISHED, TenderState.SUSPENDED):
        raise TransitionRefused(_("the tender no longer takes objections to its documents"))
    if not text.strip():
        raise TenderInvalid({"text": _("the objection has no text")})
    now = database_now()
    if not objection_to_documents_allowed(
        tender.project.regime,
        at=now,
        bid_deadline=tender.bid_deadline,
        documents_received_at=first_download.downloaded_at,
    ):
        raise TenderInvalid(
            {
                "raised_at": _(
                    "objections to the tender documents are taken until 10 days before the "
                    "deadline (招标投标法实施条例 第二十二条)"
                )
            }
        )
    objection = DocumentObjection.objects.create(
        tender=tender,
        organisation_id=membership.organisation_id,
        raised_by=acting.user,
        text=text,
        raised_at=now,
        answer_due=objection_answer_due(tender.project.regime, raised_at=now),
    )
    # Only bidders that obtained the documents object: who objected is sealed until the deadline
    # like who obtained them (办法 第21条).
    record_event(
        actor=acting.as_actor(Role.BIDDER),
        action="objection.raised",
        object_type="trading.documentobjection",
        object_id=str(objection.pk),
        to_state=ObjectionState.RAISED,
        payload={"answer_due": objection.answer_due.isoformat()},
        sealed=Sealed(
            tender_id=str(tender.pk), fields={"organisation": membership.organisation.uscc}
        ),
    )
    # 条例 第二十二条: the tenderee suspends the procedure until it has answered (works only;
    # in government procurement a challenge does not suspend it).
    if tender.project.regime == Regime.WORKS and tender.state == TenderState.PUBLISHED:
        apply_transition(
            tender,
            "suspend",
            actor=PLATFORM,
            action="tender.suspended",
            arguments=("objection",),
            changed_fields=["state_before_suspension", "suspension_cause"],
            payload={"reason": "objection to the tender documents", "objection": str(objection.pk)},
        )
    return objection


@transaction.atomic
def objection_answer(*, acting: Acting, objection_id: UUID, answer: str) -> DocumentObjection:
    objection = DocumentObjection.objects.select_related("tender__project").get(pk=objection_id)
    tender = objection.tender
    role = manager_role(acting, tender.project)
    if not answer.strip():
        raise TenderInvalid({"answer": _("the answer has no text")})
    answered = apply_transition(
        objection,
        "record_answer",
        actor=acting.as_actor(role),
        action="objection.answered",
        arguments=(answer, database_now()),
        changed_fields=["answer", "answered_at"],
        payload={"tender": str(tender.pk)},
    )
    still_open = DocumentObjection.objects.filter(tender=tender, state=ObjectionState.RAISED)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    # Lift only a suspension the objections caused, never a supervisor's.
    if tender.suspension_cause == "objection" and not still_open.exists():
        apply_transition(
            tender,
            "resume",
            actor=PLATFORM,
            action="tender.resumed",
            changed_fields=["state_before_suspension", "suspension_cause"],
            payload={"reason": "every objection to the tender documents is answered"},
        )
    return answered
