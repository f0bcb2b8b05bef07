"""Use cases of complaints (投诉): a bidder files one; the supervising authority accepts or
refuses it, investigates, and upholds or dismisses it, each step a decision signed by the
platform (docs/supervision.md, "Complaints and suspension").

Each service checks who acts on the server, changes state only through
monitoring.transitions.apply_transition (or writes its own event), in one transaction.
"""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.acting import Acting
from accounts.models import Organisation, Role
from accounts.selectors import user_has_role
from monitoring.clock import database_now
from monitoring.services import Sealed, record_event
from monitoring.transitions import apply_transition
from supervision.complaints.attachments import (
    AttachmentUpload,
    StoredAttachment,
    attachments_check,
    attachments_remove,
    attachments_store,
)
from supervision.complaints.clocks import (
    acceptance_due,
    acceptance_rule,
    counted_after_objection,
    decision_due,
    decision_rule,
    last_day,
    window_due,
    window_rule,
)
from supervision.complaints.documents import platform_sign
from supervision.complaints.errors import ComplaintRefused
from supervision.complaints.prior import (
    OBJECTION_OF_MATTER,
    needs_prior_objection,
    prior_objection_find,
)
from supervision.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintDecision,
    ComplaintMatter,
    ComplaintState,
)
from trading.law.periods import unit_words
from trading.law.rules import Rule
from trading.law.working_days import local
from trading.models import Objection, ObjectionState, Tender

MAXIMUM_TEXT_LENGTH = 20000
# The name of the partial unique constraints that keep one complaint open per objection.
ONE_PER_OBJECTION = "complaint_one_per_"
MAXIMUM_REASON_LENGTH = 5000


@dataclass(frozen=True)
class Step:
    """A decision of the supervising authority: the transition, the state it leads to, the
    event it writes."""

    transition: str
    target: str
    action: str


STEPS = {
    step.transition: step
    for step in (
        Step("accept", ComplaintState.ACCEPTED, "complaint.accepted"),
        Step("refuse", ComplaintState.REFUSED, "complaint.refused"),
        Step("investigate", ComplaintState.INVESTIGATING, "complaint.investigation_started"),
        Step("uphold", ComplaintState.UPHELD, "complaint.upheld"),
        Step("dismiss", ComplaintState.DISMISSED, "complaint.dismissed"),
    )
}
# Accepting or refusing answers to the acceptance period; the later steps to the decision's.
ACCEPTANCE_STEPS = ("accept", "refuse")


def _complainant(acting: Acting) -> Organisation:
    """The bidder organisation the session acts for (bids.acting.bidder_acting), checked again
    against the memberships: a caller that built the identity wrongly is refused here."""
    organisation = acting.organisation
    if (
        acting.role != Role.BIDDER
        or organisation is None
        or not user_has_role(user=acting.user, role=Role.BIDDER, organisation_id=organisation.pk)
    ):
        raise PermissionDenied(
            _(
                "a complaint is filed by a bidder acting for its organisation: log in with the "
                "organisation's certificate"
            )
        )
    return organisation


def require_supervisor(acting: Acting) -> None:
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(
            _("only a supervisor decides on complaints; %(user)s is not one")
            % {"user": acting.user.get_username()}
        )


def _published_tender(tender_id: UUID) -> Tender:
    tender = (
        Tender.objects.select_related("project", "project__tenderee")
        .filter(pk=tender_id, published_at__isnull=False)
        .first()
    )
    if tender is None:
        raise ComplaintRefused("tender_not_found", _("No such tender."), status=404, field="tender")
    return tender


def _check_text(matter: str, text: str) -> None:
    if matter not in ComplaintMatter.values:
        raise ComplaintRefused(
            "matter_invalid",
            _("the matter complained of is one of: %(matters)s")
            % {"matters": ", ".join(ComplaintMatter.values)},
            field="matter",
        )
    if not text.strip():
        raise ComplaintRefused(
            "text_required", _("say what is complained of and what is asked"), field="text"
        )
    if len(text) > MAXIMUM_TEXT_LENGTH:
        raise ComplaintRefused(
            "text_too_long",
            _("a complaint's text is at most %(count)d characters")
            % {"count": MAXIMUM_TEXT_LENGTH},
            field="text",
        )


@dataclass(frozen=True)
class Filing:
    """What a complainant files, its tender and organisation found."""

    tender: Tender
    organisation: Organisation
    matter: str
    objection_id: UUID | None
    known_at: datetime | None


@dataclass(frozen=True)
class Admissible:
    """A complaint that may be filed now, and its clocks."""

    prior: Objection | None
    window_due: datetime
    acceptance_due: datetime | None
    decision_due: datetime | None


def _period_start(filing: Filing, now: datetime) -> tuple[Objection | None, datetime]:
    """The prior objection, if the matter needs one, and where the complaint period starts."""
    tender, matter, known_at = filing.tender, filing.matter, filing.known_at
    regime = tender.project.regime
    source = window_rule(regime).source
    if not needs_prior_objection(regime, matter):
        if filing.objection_id is not None:
            raise ComplaintRefused(
                "objection_unexpected",
                _(
                    "an objection is about the tender documents, the opening or the evaluation "
                    "result: complain of that matter"
                ),
                field="objection",
            )
        if known_at is None:
            raise ComplaintRefused(
                "known_at_required",
                _(
                    "say when you knew of the act complained of: the period counts from it "
                    "(%(source)s)"
                )
                % {"source": source},
                field="known_at",
            )
        if known_at > now:
            raise ComplaintRefused(
                "known_at_invalid",
                _("the day you knew of the act is in the future"),
                field="known_at",
            )
        return None, known_at
    prior = (
        None
        if filing.objection_id is None
        else prior_objection_find(
            tender=tender,
            organisation=filing.organisation,
            matter=matter,
            objection_id=filing.objection_id,
        )
    )
    if prior is None:
        raise ComplaintRefused(
            "prior_objection_required",
            _(
                "a complaint about %(matter)s follows an objection your organisation raised with "
                "the tenderee on the same matter of this tender (%(source)s): name that objection"
            )
            % {"matter": ComplaintMatter(matter).label, "source": source},
            field="objection",
        )
    if prior.state == ObjectionState.RAISED and now < prior.answer_due:
        raise ComplaintRefused(
            "objection_awaiting_answer",
            _(
                "your objection awaits the tenderee's answer until the end of %(day)s: a "
                "complaint follows the answer or the end of that period (%(source)s)"
            )
            % {"day": last_day(prior.answer_due), "source": source},
            status=409,
            field="objection",
        )
    return prior, counted_after_objection(prior)


def _admissible(filing: Filing, now: datetime) -> Admissible:
    """Refuse a complaint without its prior objection or past its period, naming the article and
    the day the period ended; otherwise its clocks."""
    regime = filing.tender.project.regime
    prior, start = _period_start(filing, now)
    window = window_due(regime, start=start)
    if now >= window:
        rule = window_rule(regime)
        raise ComplaintRefused(
            "complaint_period_over",
            _(
                "the complaint is late: it was due by the end of %(day)s (Asia/Shanghai), "
                "%(number)s %(unit)s after %(start)s (%(source)s)"
            )
            % {
                "day": last_day(window),
                "number": rule.number,
                "unit": unit_words(rule),
                "start": local(start).date().isoformat(),
                "source": rule.source,
            },
            status=409,
        )
    if prior is not None:
        field = OBJECTION_OF_MATTER[filing.matter].complaint_field
        earlier = (
            Complaint.objects.filter(**{field: prior}).exclude(state=ComplaintState.REFUSED).first()
        )
        if earlier is not None:
            raise ComplaintRefused(
                "complaint_exists",
                _("complaint %(id)s on this objection is already %(state)s")
                % {"id": earlier.pk, "state": earlier.get_state_display()},
                status=409,
                field="objection",
            )
    return Admissible(
        prior=prior,
        window_due=window,
        acceptance_due=acceptance_due(regime, filed_at=now),
        decision_due=decision_due(regime, filed_at=now, accepted_at=None),
    )


def _party(organisation: Organisation) -> dict[str, str]:
    return {"name": organisation.name, "uscc": organisation.uscc}


def _tender_of(tender: Tender) -> dict[str, str]:
    return {"id": str(tender.pk), "title": tender.title, "project_code": tender.project.code}


def _iso(moment: datetime | None) -> str | None:
    """In UTC, as every record of the platform writes a moment (pages show Asia/Shanghai)."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _rule_of(rule: Rule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "code": rule.code,
        "number": int(rule.number),
        "unit": str(rule.unit),
        "source": rule.source,
    }


def complaint_file(
    *,
    acting: Acting,
    tender_id: UUID,
    matter: str,
    text: str,
    objection_id: UUID | None = None,
    known_at: datetime | None = None,
    attachments: Sequence[AttachmentUpload] = (),
) -> Complaint:
    """A bidder files a complaint about a tender, with its attachments, within the period.

    Everything that can be refused is refused before a byte is stored; the files are streamed to
    storage outside the transaction (a long upload holds no lock), then checked again and recorded
    at the database's time with a signed receipt; if anything fails after storing, the files are
    removed, so nothing is half-written.
    """
    organisation = _complainant(acting)
    tender = _published_tender(tender_id)
    _check_text(matter, text)
    attachments_check(attachments)
    filing = Filing(tender, organisation, matter, objection_id, known_at)
    _admissible(filing, database_now())
    complaint_id = uuid.uuid4()
    stored = attachments_store(complaint_id=complaint_id, uploads=attachments)
    try:
        with transaction.atomic():
            return _record_filing(acting, complaint_id, filing, text, stored)
    except IntegrityError as error:
        attachments_remove(stored)
        if ONE_PER_OBJECTION not in str(error):
            raise
        # Two filings on one objection at once: the second meets the partial unique constraint.
        raise ComplaintRefused(
            "complaint_exists",
            _("a complaint on this objection was filed at the same moment"),
            status=409,
            field="objection",
        ) from None
    except BaseException:
        attachments_remove(stored)
        raise


def _record_filing(
    acting: Acting,
    complaint_id: UUID,
    filing: Filing,
    text: str,
    stored: Sequence[StoredAttachment],
) -> Complaint:
    tender, organisation, matter = filing.tender, filing.organisation, filing.matter
    now = database_now()
    admissible = _admissible(filing, now)
    regime = tender.project.regime
    prior = admissible.prior
    files = [
        {
            "id": str(item.id),
            "name": item.name,
            "size": item.stored.size,
            "sha256": item.stored.sha256,
        }
        for item in stored
    ]
    receipt = platform_sign(
        {
            "purpose": "complaint-receipt",
            "complaint": str(complaint_id),
            "tender": _tender_of(tender),
            "complainant": _party(organisation),
            "filed_by": acting.user.get_username(),
            "matter": matter,
            "text": text,
            "prior_objection": None if prior is None else str(prior.pk),
            "known_at": _iso(filing.known_at),
            "attachments": files,
            "filed_at": _iso(now),
            "window_due": _iso(admissible.window_due),
            "acceptance_due": _iso(admissible.acceptance_due),
            "decision_due": _iso(admissible.decision_due),
            "rules": {
                "window": _rule_of(window_rule(regime)),
                "acceptance": _rule_of(acceptance_rule(regime)),
                "decision": _rule_of(decision_rule(regime)),
            },
        },
        at=now,
    )
    objection_field = {}
    if prior is not None:
        objection_field[OBJECTION_OF_MATTER[matter].complaint_field] = prior
    complaint = Complaint.objects.create(
        id=complaint_id,
        tender=tender,
        organisation=organisation,
        filed_by=acting.user,
        matter=matter,
        text=text,
        known_at=filing.known_at,
        filed_at=now,
        window_due=admissible.window_due,
        acceptance_due=admissible.acceptance_due,
        decision_due=admissible.decision_due,
        receipt_document=receipt.document,
        receipt_signature=receipt.signature,
        receipt_timestamp_token=receipt.timestamp_token,
        **objection_field,
    )
    ComplaintAttachment.objects.bulk_create(
        ComplaintAttachment(
            id=item.id,
            complaint=complaint,
            name=item.name,
            size=item.stored.size,
            sha256=item.stored.sha256,
            object_key=item.stored.key,
        )
        for item in stored
    )
    payload: dict[str, Any] = {
        "matter": matter,
        "window_due": _iso(admissible.window_due),
        "acceptance_due": _iso(admissible.acceptance_due),
        "receipt_sha256": receipt.sha256,
        "attachments": len(files),
    }
    # Before the deadline a complaint would tell who took an interest in the tender (who obtained
    # the documents or objected, 电子招标投标办法 第二十一条): its identity is sealed, as the
    # objection's is.
    sealed = None
    if tender.bid_deadline is not None and now < tender.bid_deadline:
        sealed = Sealed(tender_id=str(tender.pk), fields={"organisation": organisation.uscc})
    else:
        payload |= {"tender": str(tender.pk), "organisation": organisation.uscc}
    record_event(
        actor=acting.as_actor(Role.BIDDER),
        action="complaint.filed",
        object_type="supervision.complaint",
        object_id=str(complaint.pk),
        to_state=ComplaintState.FILED,
        payload=payload,
        sealed=sealed,
    )
    return complaint


def complaint_decide(
    *, acting: Acting, complaint_id: UUID, step: str, reason: str
) -> ComplaintDecision:
    """A supervisor's decision on a complaint, with its reason: accept or refuse it (within the
    acceptance period), investigate, uphold or dismiss it (within the decision period). The
    decision is a document signed by the platform and timestamped; one made after its due date
    is made and marked late (the duty to decide outlives the period), never refused for it."""
    require_supervisor(acting)
    chosen = STEPS.get(step)
    if chosen is None:
        raise ComplaintRefused(
            "step_invalid",
            _("a decision is one of: %(steps)s") % {"steps": ", ".join(STEPS)},
            field="step",
        )
    reason = reason.strip()
    if not reason:
        raise ComplaintRefused("reason_required", _("a decision gives its reason"), field="reason")
    if len(reason) > MAXIMUM_REASON_LENGTH:
        raise ComplaintRefused(
            "reason_too_long",
            _("a reason is at most %(count)d characters") % {"count": MAXIMUM_REASON_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        return _decide(acting, complaint_id, chosen, reason)


def _decide(acting: Acting, complaint_id: UUID, step: Step, reason: str) -> ComplaintDecision:
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("tender__project", "organisation")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise ComplaintRefused("complaint_not_found", _("No such complaint."), status=404)
    if not can_proceed(getattr(complaint, step.transition)):
        allowed = complaint.steps_open()
        raise ComplaintRefused(
            "conflict",
            _("complaint %(id)s is %(state)s: the decisions open now are %(allowed)s, not %(step)s")
            % {
                "id": complaint.pk,
                "state": complaint.get_state_display(),
                "allowed": ", ".join(allowed) or _("none (it is decided)"),
                "step": step.transition,
            },
            status=409,
            field="step",
        )
    tender = complaint.tender
    regime = tender.project.regime
    now = database_now()
    if step.transition in ACCEPTANCE_STEPS:
        due, rule = complaint.acceptance_due, acceptance_rule(regime)
    else:
        due, rule = complaint.decision_due, decision_rule(regime)
    late = due is not None and now >= due
    new_decision_due = (
        decision_due(regime, filed_at=complaint.filed_at, accepted_at=now)
        if step.transition == "accept"
        else complaint.decision_due
    )
    decision_id = uuid.uuid4()
    signed = platform_sign(
        {
            "purpose": "complaint-decision",
            "id": str(decision_id),
            "complaint": str(complaint.pk),
            "receipt_sha256": hashlib.sha256(bytes(complaint.receipt_document)).hexdigest(),
            "tender": _tender_of(tender),
            "complainant": _party(complaint.organisation),
            "matter": complaint.matter,
            "prior_objection": None
            if complaint.prior_objection_id is None
            else str(complaint.prior_objection_id),
            "filed_at": _iso(complaint.filed_at),
            "step": step.transition,
            "from_state": complaint.state,
            "to_state": step.target,
            "reason": reason,
            "decided_at": _iso(now),
            "decided_by": acting.user.get_username(),
            "due": _iso(due),
            "late": late,
            "rule": _rule_of(rule),
            "decision_due": _iso(new_decision_due),
        },
        at=now,
    )
    apply_transition(
        complaint,
        step.transition,
        actor=acting.as_actor(Role.SUPERVISOR),
        action=step.action,
        arguments=(new_decision_due,) if step.transition == "accept" else (),
        changed_fields=["decision_due"] if step.transition == "accept" else [],
        payload={
            "decision": str(decision_id),
            "reason": reason,
            "due": _iso(due),
            "late": late,
            "document_sha256": signed.sha256,
        },
    )
    return ComplaintDecision.objects.create(
        id=decision_id,
        complaint=complaint,
        step=step.target,
        reason=reason,
        decided_by=acting.user,
        decided_at=now,
        due=due,
        late=late,
        document=signed.document,
        document_sha256=signed.sha256,
        platform_signature=signed.signature,
        timestamp_token=signed.timestamp_token,
    )
