"""The report's life: generated at the end of consolidation, signed by every member (CMS over
its canonical JSON, with the certificate bound to the member), dissent written, a refusal to
sign without a reason recorded as agreement (条例 第五十三条); once every member has signed the
session is reported, and the tenderee publishes the candidates the report names, and only
those."""

import base64
import hashlib
import json
from uuid import UUID

from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import UserCertificate
from bids.models import Bid, BidState
from evaluation.errors import EvaluationRefused
from evaluation.models import (
    EvaluationReport,
    EvaluationSession,
    PanelSeat,
    ReportSignature,
    ReportState,
    SessionState,
)
from evaluation.panel.reveal import panel_reveal
from evaluation.refusals import refusals_logged
from evaluation.report.document import report_document
from evaluation.session.common import (
    counted_seats,
    in_the_room,
    leader_seat,
    locked_session,
    member_actor,
    member_seat,
    require_state,
    sealed_for,
)
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition
from signing.canonical import canonical_json
from signing.cms import SignatureInvalid, verify_detached
from signing.conf import platform_trust_store
from signing.errors import SigningError
from trading.award import candidates_publicize
from trading.models import CandidatePublicity
from trading.services import manager_role

DISSENT_LENGTH = 5000


def report_generate(session: EvaluationSession, *, acting: Acting) -> EvaluationReport:
    """Write the report of a session entering signing (called by consolidation, in its
    transaction)."""
    document = report_document(session)
    data = canonical_json(document)
    report = EvaluationReport.objects.create(
        session=session,
        document=data,
        document_sha256=hashlib.sha256(data).hexdigest(),
        candidates=document["candidates"],
        generated_at=database_now(),
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.report_generated",
        object_type="evaluation.evaluationreport",
        object_id=str(report.pk),
        payload={"document_sha256": report.document_sha256},
        sealed=sealed_for(session),
    )
    return report


def _report(session: EvaluationSession) -> EvaluationReport:
    return EvaluationReport.objects.select_for_update().get(session=session)


def _complete_if_signed(
    session: EvaluationSession, report: EvaluationReport, acting: Acting
) -> None:
    seats = {seat.pk for seat in counted_seats(session)}
    signed = set(ReportSignature.objects.filter(report=report).values_list("seat_id", flat=True))
    if not seats <= signed:
        return
    now = database_now()
    apply_transition(
        report,
        "seal",
        actor=member_actor(acting),
        action="evaluation.report_signed",
        arguments=[now],
        changed_fields=["signed_at"],
        payload={"document_sha256": report.document_sha256, "signatures": len(signed)},
        sealed=sealed_for(session),
    )
    apply_transition(
        session,
        "close_with_report",
        actor=member_actor(acting),
        action="evaluation.reported",
        arguments=[now],
        changed_fields=["reported_at"],
        payload={"report": str(report.pk)},
        sealed=sealed_for(session),
    )


@refusals_logged
@in_the_room
@transaction.atomic
def report_sign(
    *, acting: Acting, tender_id: UUID, signature: bytes, agrees: bool = True, dissent: str = ""
) -> ReportSignature:
    """A member signs the report's canonical JSON with its certificate; a member who disagrees
    writes its dissent and signs all the same."""
    session = locked_session(tender_id)
    seat = member_seat(acting, session)
    require_state(session, SessionState.SIGNING)
    report = _report(session)
    if ReportSignature.objects.filter(report=report, seat=seat).exists():
        raise EvaluationRefused("conflict", _("you have signed this report already"), status=409)
    dissent = dissent.strip()
    if not agrees and not dissent:
        raise EvaluationRefused(message=_("a dissent must be written"), field="dissent")
    if len(dissent) > DISSENT_LENGTH:
        raise EvaluationRefused(
            message=_("the dissent is longer than %(length)s characters")
            % {"length": DISSENT_LENGTH},
            field="dissent",
        )
    try:
        verified = verify_detached(signature, bytes(report.document), trust=platform_trust_store())
    except (SignatureInvalid, SigningError, ValueError) as error:
        raise EvaluationRefused(
            "signature_invalid",
            _("the signature does not verify over the report: %(error)s") % {"error": error},
            field="signature",
        ) from error
    certificate_sha256 = hashlib.sha256(verified.signer.public_bytes(Encoding.DER)).hexdigest()
    if not UserCertificate.objects.filter(
        user=acting.user, certificate_sha256=certificate_sha256
    ).exists():
        raise EvaluationRefused(
            "signature_invalid",
            _("the report is signed with a certificate not bound to you"),
            field="signature",
        )
    entry = ReportSignature.objects.create(
        report=report,
        seat=seat,
        signature=signature,
        certificate_sha256=certificate_sha256,
        agrees=agrees,
        dissent=dissent,
        signed_at=database_now(),
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.report_signature",
        object_type="evaluation.evaluationreport",
        object_id=str(report.pk),
        payload={"agrees": agrees, "certificate_sha256": certificate_sha256},
        sealed=sealed_for(session, seat=str(seat.pk), dissent=dissent),
    )
    _complete_if_signed(session, report, acting)
    return entry


@refusals_logged
@in_the_room
@transaction.atomic
def report_refusal_record(
    *, acting: Acting, tender_id: UUID, seat_id: UUID, reason: str = ""
) -> ReportSignature:
    """The leader records a member who will not sign: with its reason written, as dissent;
    without one, as agreement (条例 第五十三条: 拒绝签字又不书面说明其不同意见和理由的,
    视为同意)."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.SIGNING)
    report = _report(session)
    seat = PanelSeat.objects.filter(pk=seat_id, panel_id=session.panel_id).first()
    if seat is None or seat.pk not in {item.pk for item in counted_seats(session)}:
        raise EvaluationRefused(
            message=_("no member of the panel has the seat %(seat)s") % {"seat": seat_id},
            field="seat_id",
        )
    if ReportSignature.objects.filter(report=report, seat=seat).exists():
        raise EvaluationRefused("conflict", _("this member has signed already"), status=409)
    reason = reason.strip()[:DISSENT_LENGTH]
    entry = ReportSignature.objects.create(
        report=report,
        seat=seat,
        agrees=not reason,
        dissent=reason,
        refused_without_reason=not reason,
        signed_at=database_now(),
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.report_signature_refused",
        object_type="evaluation.evaluationreport",
        object_id=str(report.pk),
        payload={"with_reason": bool(reason)},
        sealed=sealed_for(session, seat=str(seat.pk), reason=reason),
    )
    _complete_if_signed(session, report, acting)
    return entry


def signed_report_json(report: EvaluationReport) -> dict:
    """The downloadable signed report: the document and every member's signature (base64),
    checked offline by `bidtool report verify`."""
    return {
        "report": json.loads(bytes(report.document)),
        "document_sha256": report.document_sha256,
        "signatures": [
            {
                "seat": str(entry.seat_id),
                "member": entry.seat.user.full_name or entry.seat.user.get_username(),
                "agrees": entry.agrees,
                "dissent": entry.dissent,
                "refused_without_reason": entry.refused_without_reason,
                "signature": base64.b64encode(bytes(entry.signature)).decode("ascii"),
            }
            for entry in report.signatures.select_related("seat__user").order_by("signed_at")
        ],
    }


@transaction.atomic
def candidates_publicize_from_report(*, acting: Acting, tender_id: UUID) -> CandidatePublicity:
    """The tenderee publishes the candidates of the signed report, and no others; the panel and
    its seed are revealed with them."""
    session = (
        EvaluationSession.objects.select_related("tender__project")
        .filter(tender_id=tender_id)
        .first()
    )
    if session is None:  # a tender not yet evaluated was a 500 (found by tests/fuzz)
        raise EvaluationRefused("not_found", _("The tender has no evaluation session."), status=404)
    role = manager_role(acting, session.tender.project)
    report = EvaluationReport.objects.filter(session=session, state=ReportState.SIGNED).first()
    if report is None or report.signed_at is None:
        raise EvaluationRefused(
            "conflict",
            _("the evaluation report is not signed by every member yet"),
            status=409,
        )
    named = {candidate["uscc"] for candidate in report.candidates}
    others = (
        Bid.objects.filter(tender_id=tender_id, state=BidState.DECRYPTED)
        .exclude(bidder__uscc__in=named)
        .values_list("bidder__uscc", flat=True)
    )
    publicity = candidates_publicize(
        acting=acting,
        tender_id=tender_id,
        candidates=[
            {"rank": item["rank"], "uscc": item["uscc"], "price_fen": item["price_fen"]}
            for item in report.candidates
        ],
        report_at=report.signed_at,
        bidders=list(others),
    )
    # The result is published: so are the panel and the seed it was drawn with (条例 第四十六条),
    # and anyone can now replay the draw (manage.py verify_draw, the draw record).
    panel_reveal(panel_id=session.panel_id, actor=acting.as_actor(role=role))
    return publicity
