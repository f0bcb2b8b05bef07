"""Use cases of tenders. Each checks its actor on the server, changes state through
monitoring.transitions.apply_transition (or writes its own event), in one transaction."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.acting import Acting  # the one identity of every service (re-exported)
from accounts.models import Organisation, Role
from accounts.selectors import user_has_role
from config.errors import Refusal
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from monitoring.transitions import TransitionRefused, apply_transition, moment_set_by_state
from trading.escrow import EscrowUnavailable, escrow_create
from trading.law.periods import deadline_after_amendment
from trading.law.rules import Regime
from trading.law.schedule import check_schedule
from trading.law.tender_terms import check_terms
from trading.models import (
    BidderNotification,
    DocumentDownload,
    NoticeKind,
    Project,
    Tender,
    TenderState,
)
from trading.notices import notice_publish
from trading.selectors import (
    tenders_due_for_closing,
    tenders_due_for_opening,
    user_manages_project,
)

# Fields a tenderee fills in a draft; everything else is set by the lifecycle.
DRAFT_FIELDS = (
    "title",
    "category",
    "method",
    "ceiling_price_fen",
    "bid_security_fen",
    "estimated_price_fen",
    "documents_from",
    "documents_until",
    "clarification_cutoff",
    "bid_deadline",
    "decryption_window_minutes",
    "sign_in_opens_minutes_before",
    "evaluation_method",
    "scoring_scheme",
    "qualification_requirements",
    "required_files",
    "minimum_valid_bids",
    "opening_committee",
)
SCHEDULE_FIELDS = ("documents_from", "documents_until", "clarification_cutoff", "bid_deadline")


class TenderInvalid(Refusal, ValueError):
    """The tender's terms or schedule break a rule; `problems` maps each field to what is wrong
    (the API answers with the first)."""

    code = "invalid"

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        field, problem = next(iter(problems.items()), (None, ""))
        super().__init__(message=str(problem), field=field)
        self.args = ("; ".join(f"{field}: {problem}" for field, problem in problems.items()),)


def manager_role(acting: Acting, project: Project) -> str:
    """The role in which the user manages the project. Anyone else asking about an existing
    project is told it does not exist (Http404, as for an unknown id: a 403 would tell a member
    of another organisation that the tender is there, docs/hardening.md "Permission matrix");
    creating a project for an organisation one does not belong to is refused (PermissionDenied).
    """
    if not user_manages_project(user=acting.user, project=project):
        # The refusal names no user: Django logs it with the request (django.request), and a
        # bidder's name beside a project's would tell the logs who is interested in it.
        message = _("You are neither the tenderee nor the agent of project %(code)s") % {
            "code": project.code
        }
        if project._state.adding:
            raise PermissionDenied(message)
        raise Http404(message)
    if user_has_role(user=acting.user, role=Role.TENDEREE, organisation_id=project.tenderee_id):
        return Role.TENDEREE
    return Role.AGENT


@transaction.atomic
def project_create(
    *,
    acting: Acting,
    code: str,
    name: str,
    tenderee: Organisation,
    agent: Organisation | None,
    regime: str,
    region: str,
) -> Project:
    if regime not in Regime.values:
        raise TenderInvalid({"regime": _("unknown regime %(regime)s") % {"regime": regime}})
    if not (region.isdigit() and len(region) == 6):
        raise TenderInvalid({"region": _("must be a six-digit administrative division code")})
    project = Project(
        code=code, name=name, tenderee=tenderee, agent=agent, regime=regime, region=region
    )
    role = manager_role(acting, project)
    if Project.objects.filter(code=code).exists():
        raise TenderInvalid({"code": _("a project with the code %(code)s exists") % {"code": code}})
    project.save()
    record_event(
        actor=acting.as_actor(role),
        action="project.created",
        object_type="trading.project",
        object_id=str(project.pk),
        payload={"code": code, "name": name, "regime": regime},
    )
    return project


@transaction.atomic
def tender_create_draft(*, acting: Acting, project: Project, terms: dict[str, Any]) -> Tender:
    role = manager_role(acting, project)
    unknown = set(terms) - set(DRAFT_FIELDS)
    if unknown:
        raise TenderInvalid({field: _("is not a term of a tender") for field in sorted(unknown)})
    problems = check_terms(terms, regime=project.regime)
    if problems:
        raise TenderInvalid(problems)
    # The project's row lock makes drafts created at once take turns: each counts the lots
    # after the one before committed (else both take the same one: tender_lot_unique).
    Project.objects.select_for_update().get(pk=project.pk)
    lot_number = (project.tenders.aggregate(last=Max("lot_number"))["last"] or 0) + 1
    tender = Tender.objects.create(project=project, lot_number=lot_number, **terms)
    record_event(
        actor=acting.as_actor(role),
        action="tender.drafted",
        object_type="trading.tender",
        object_id=str(tender.pk),
        to_state=TenderState.DRAFT,
        payload={"title": tender.title, "ceiling_price_fen": tender.ceiling_price_fen},
    )
    return tender


def _schedule_problems(tender: Tender, published_at: datetime) -> dict[str, str]:
    missing = {
        field: _("is required before publication")
        for field in SCHEDULE_FIELDS
        if getattr(tender, field) is None
    }
    if missing:
        return missing
    violations = check_schedule(
        tender.project.regime,
        published_at=published_at,
        # None of them is None: `missing` above answered that.
        documents_from=moment_set_by_state(tender, "documents_from"),
        documents_until=moment_set_by_state(tender, "documents_until"),
        clarification_cutoff=moment_set_by_state(tender, "clarification_cutoff"),
        bid_deadline=moment_set_by_state(tender, "bid_deadline"),
        decryption_window_minutes=tender.decryption_window_minutes,
    )
    return {violation.field: violation.message for violation in violations}


def _schedule_change(tender: Tender, *, bid_deadline: datetime) -> None:
    """Move the deadline of a published tender, checking every schedule rule tender_publish
    checks, measured from the original publication and first issue of the documents: an
    amendment cannot shorten what publication had to respect (招标投标法 第二十四条)."""
    tender.bid_deadline = bid_deadline
    problems = _schedule_problems(tender, moment_set_by_state(tender, "published_at"))
    if problems:
        raise TenderInvalid(problems)
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=bid_deadline)


@transaction.atomic
def tender_publish(*, acting: Acting, tender_id: UUID) -> Tender:
    """Publish a draft; refused, naming each rule and its source, if the schedule breaks one."""
    tender = (
        Tender.objects.select_related("project").select_for_update(of=("self",)).get(pk=tender_id)
    )
    role = manager_role(acting, tender.project)
    now = database_now()
    problems = _schedule_problems(tender, now) | check_terms(
        {field: getattr(tender, field) for field in DRAFT_FIELDS},
        regime=tender.project.regime,
    )
    if tender.estimated_price_fen is None:
        # The notice states the budget (财政部令第87号 第十三条); the security is measured on it.
        problems["estimated_price_fen"] = _("is required before publication")
    if problems:
        raise TenderInvalid(problems)
    actor = acting.as_actor(role)
    published = apply_transition(
        tender,
        "publish",
        actor=actor,
        action="tender.published",
        arguments=(now,),
        changed_fields=["published_at"],
        payload={"bid_deadline": moment_set_by_state(tender, "bid_deadline").isoformat()},
    )
    try:
        escrow_create(tender=published, actor=actor)
    except EscrowUnavailable as error:
        raise TenderInvalid(error.problems) from None
    notice_publish(
        tender=published,
        kind=NoticeKind.TENDER_NOTICE,
        title=_("Tender notice: %(title)s") % {"title": published.title},
        body={"text": published.qualification_requirements},
        actor=actor,
    )
    return published


def _locked_published_tender(acting: Acting, tender_id: UUID) -> tuple[Tender, str]:
    """The tender, locked, with the role its manager acts in; only a published tender changes
    its documents or deadline."""
    tender = (
        Tender.objects.select_related("project").select_for_update(of=("self",)).get(pk=tender_id)
    )
    role = manager_role(acting, tender.project)
    if tender.state != TenderState.PUBLISHED:
        raise TransitionRefused(
            _("tender %(id)s is %(state)s: only a published tender can be amended or clarified")
            % {"id": tender.pk, "state": tender.state}
        )
    return tender, role


@transaction.atomic
def tender_amend_deadline(
    *, acting: Acting, tender_id: UUID, bid_deadline: datetime, reason: str
) -> Tender:
    """Change the bid deadline of a published tender; an amendment later than the legal minimum
    before the deadline moves it further (招标投标法 第二十三条), and the schedule as amended
    must keep every rule of publication (20 days from the first issue, 招标投标法 第二十四条)."""
    tender, role = _locked_published_tender(acting, tender_id)
    now = database_now()
    if bid_deadline <= now:
        raise TenderInvalid({"bid_deadline": _("must be in the future")})
    effective = deadline_after_amendment(
        tender.project.regime, amended_at=now, bid_deadline=bid_deadline
    )
    previous = moment_set_by_state(tender, "bid_deadline")
    _schedule_change(tender, bid_deadline=effective)
    actor = acting.as_actor(role)
    record_event(
        actor=actor,
        action="tender.amended",
        object_type="trading.tender",
        object_id=str(tender.pk),
        from_state=tender.state,
        to_state=tender.state,
        payload={
            "previous_bid_deadline": previous.isoformat(),
            "requested_bid_deadline": bid_deadline.isoformat(),
            "bid_deadline": effective.isoformat(),
            "reason": reason,
        },
    )
    changes = _("The bid deadline moves from %(previous)s to %(deadline)s.") % {
        "previous": shanghai_time(previous),
        "deadline": shanghai_time(effective),
    }
    _publish_and_notify(
        tender,
        kind=NoticeKind.AMENDMENT,
        actor=actor,
        title=_("Amendment: %(title)s") % {"title": tender.title},
        body={"reason": reason, "changes": changes},
    )
    return tender


@transaction.atomic
def tender_clarify(*, acting: Acting, tender_id: UUID, text: str) -> Tender:
    """Publish a clarification of the tender documents to every bidder that obtained them.

    A clarification later than the legal minimum before the deadline moves the deadline
    (招标投标法实施条例 第二十一条), exactly as an amendment does.
    """
    tender, role = _locked_published_tender(acting, tender_id)
    if not text.strip():
        raise TenderInvalid({"text": _("the clarification has no text")})
    previous = moment_set_by_state(tender, "bid_deadline")
    effective = deadline_after_amendment(
        tender.project.regime, amended_at=database_now(), bid_deadline=previous
    )
    actor = acting.as_actor(role)
    body: dict[str, Any] = {"text": text}
    if effective != previous:
        body["changes"] = _("The bid deadline moves from %(previous)s to %(deadline)s.") % {
            "previous": shanghai_time(previous),
            "deadline": shanghai_time(effective),
        }
        _schedule_change(tender, bid_deadline=effective)
    record_event(
        actor=actor,
        action="tender.clarified",
        object_type="trading.tender",
        object_id=str(tender.pk),
        from_state=tender.state,
        to_state=tender.state,
        payload={"text": text, "bid_deadline": effective.isoformat()},
    )
    _publish_and_notify(
        tender,
        kind=NoticeKind.AMENDMENT,
        actor=actor,
        body=body,
        title=_("Clarification: %(title)s") % {"title": tender.title},
    )
    return tender


def _publish_and_notify(
    tender: Tender, *, kind: str, actor: Actor, title: str, body: dict[str, Any]
) -> None:
    """Publish the notice, then tell every bidder that obtained the documents."""
    notice = notice_publish(tender=tender, kind=kind, title=title, body=body, actor=actor)
    sent_at = database_now()
    obtained = (
        DocumentDownload.objects.filter(tender=tender)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    BidderNotification.objects.bulk_create(
        BidderNotification(organisation_id=organisation_id, notice=notice, created_at=sent_at)
        for organisation_id in obtained
    )


@transaction.atomic
def tender_cancel(*, acting: Acting, tender_id: UUID, reason: str) -> Tender:
    """Terminate a tender (终止), for a reason that is given: allowed until the winner is chosen
    (Tender.cancel's sources). A tender that was ever published gets a termination notice
    told to every bidder that obtained the documents (招标投标法实施条例 第三十一条)."""
    tender = Tender.objects.select_related("project").get(pk=tender_id)
    role = manager_role(acting, tender.project)
    reason = reason.strip()
    if not reason:
        raise TenderInvalid({"reason": _("say why the tender is terminated")})
    actor = acting.as_actor(role)
    cancelled = apply_transition(
        tender,
        "cancel",
        actor=actor,
        action="tender.cancelled",
        changed_fields=["state_before_suspension"],
        payload={"reason": reason},
    )
    if tender.published_at is not None:
        _publish_and_notify(
            cancelled,
            kind=NoticeKind.TERMINATION,
            actor=actor,
            body={"reason": reason},
            title=_("Termination notice: %(title)s") % {"title": tender.title},
        )
    return cancelled


def _require_supervisor(acting: Acting) -> None:
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(
            _("%(user)s is not a supervisor") % {"user": acting.user.get_username()}
        )


@transaction.atomic
def tender_suspend(*, acting: Acting, tender_id: UUID, reason: str) -> Tender:
    _require_supervisor(acting)
    return apply_transition(
        Tender.objects.get(pk=tender_id),
        "suspend",
        actor=acting.as_actor(Role.SUPERVISOR),
        action="tender.suspended",
        arguments=("supervisor",),
        changed_fields=["state_before_suspension", "suspension_cause"],
        payload={"reason": reason},
    )


@transaction.atomic
def tender_resume(*, acting: Acting, tender_id: UUID, reason: str) -> Tender:
    _require_supervisor(acting)
    return apply_transition(
        Tender.objects.get(pk=tender_id),
        "resume",
        actor=acting.as_actor(Role.SUPERVISOR),
        action="tender.resumed",
        changed_fields=["state_before_suspension", "suspension_cause"],
        payload={"reason": reason},
    )


CHRONOGRAPH = Actor(role="platform")


def _move_if_due(tender_id: UUID, transition: str, action: str, still_due: str) -> bool:
    """One due move in its own transaction; False when another run made it first."""
    with transaction.atomic():
        tender = Tender.objects.select_for_update().filter(pk=tender_id).first()
        now = database_now()
        if tender is None or tender.state != still_due or tender.bid_deadline > now:
            return False
        apply_transition(
            tender,
            transition,
            actor=CHRONOGRAPH,
            action=action,
            payload={"bid_deadline": tender.bid_deadline.isoformat(), "at": now.isoformat()},
        )
    return True


def tender_sweep_due() -> int:
    """Chronograph sweep: at the bid deadline, close bidding and open the opening hall.

    The deadline itself is enforced where bids are written; this only moves the state. Two runs
    at once move each tender once: the second finds the row locked, then no longer due.
    """
    moved = 0
    now = database_now()
    for tender_id in tenders_due_for_closing(now=now).values_list("pk", flat=True):
        moved += _move_if_due(
            tender_id, "close_bidding", "tender.bidding_closed", TenderState.PUBLISHED
        )
    for tender_id in tenders_due_for_opening(now=now).values_list("pk", flat=True):
        moved += _move_if_due(
            tender_id, "start_opening", "tender.opening_started", TenderState.BIDDING_CLOSED
        )
    return moved
