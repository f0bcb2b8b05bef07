"""The opening record (开标记录): built from the hall when the host finalises it, signed by the
platform, timestamped, published as a notice; the tender then is `opened`, or `failed` with
too few valid bids (招标投标法 第二十八条, 条例 第四十四条)."""

import datetime as dt
import hashlib
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import refused
from bids.models import (
    DecryptionFault,
    DecryptionState,
    OpeningOutcome,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import hall_tender, host_actor, reading_session, require_opening
from bids.opening.refusals import refusals_logged
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.transitions import apply_transition, moment_set_by_state
from signing.canonical import canonical_json
from signing.cms import signed_document_json
from trading.law.checks import check_bid_count, required_bids
from trading.law.regimes import policy_for
from trading.law.rules import MINIMUM_BIDS
from trading.models import NoticeKind, Tender
from trading.notices import notice_publish

RECORD_VERSION = 1


def _record_document(
    session: OpeningSession,
    tender: Tender,
    now: dt.datetime,
    valid: int,
    minimum: int,
    outcome: str,
) -> dict[str, Any]:
    faults = {str(item.bid_id): item for item in session.decryptions.all()}
    confirmations = {
        item.bidder.uscc: item.confirmed_at
        for item in session.confirmations.select_related("bidder")
    }
    lines = []
    for line in session.lines:
        decryption = faults[line["bid"]]
        lines.append(
            {
                **line,
                "decryption": decryption.state,
                "treated_as": (
                    "revoked"
                    if decryption.fault == DecryptionFault.BIDDER
                    else "withdrawn"
                    if decryption.fault == DecryptionFault.OTHER
                    else None
                ),
                "fault_reason": decryption.fault_reason or None,
                "confirmed_at": confirmations[line["uscc"]].isoformat()
                if line["uscc"] in confirmations
                else None,
            }
        )
    return {
        "record_version": RECORD_VERSION,
        "kind": "opening_record",
        "tender": str(tender.pk),
        "title": tender.title,
        "project_code": tender.project.code,
        "bid_deadline": moment_set_by_state(tender, "bid_deadline").isoformat(),
        "ceiling_price_fen": session.ceiling_price_announced_fen,
        "host": session.host.get_username() if session.host else None,
        "decryption_started_at": moment_set_by_state(session, "decryption_started_at").isoformat(),
        "decryption_ends_at": moment_set_by_state(session, "decryption_ends_at").isoformat(),
        "reading_started_at": moment_set_by_state(session, "reading_started_at").isoformat(),
        "finalised_at": now.isoformat(),
        "sign_ins": [
            {"uscc": item.bidder.uscc, "signed_in_at": item.signed_in_at.isoformat()}
            for item in session.sign_ins.select_related("bidder").order_by("signed_in_at")
        ],
        "lines": lines,
        "objections": [
            {
                "uscc": item.organisation.uscc,
                "text": item.text,
                "raised_at": item.raised_at.isoformat(),
                "answer": item.answer,
                "answered_at": item.answered_at.isoformat() if item.answered_at else None,
            }
            for item in session.objections.select_related("organisation")
        ],
        "valid_bids": valid,
        "minimum_valid_bids": minimum,
        "outcome": outcome,
    }


@refusals_logged
def opening_finalise(*, acting: Acting, tender_id: UUID) -> OpeningSession:
    """The host closes the record: signed by the platform, timestamped, published as a notice;
    the tender is then `opened`, or `failed` with too few valid bids (法 第28条, 条例 第44条)."""
    from signing.cms import sign_detached
    from signing.conf import platform_credential, platform_timestamp_authority

    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    with transaction.atomic():
        # Lock order: the tender, then the session (a supervisor's suspension locks the tender
        # before recording; taking it first here keeps the two from waiting on each other).
        Tender.objects.select_for_update().get(pk=tender.pk)
        session = reading_session(tender)
        now = database_now()
        confirmed = set(session.confirmations.values_list("bidder__uscc", flat=True))
        unconfirmed = [line for line in session.lines if line["uscc"] not in confirmed]
        confirmation_ends_at = moment_set_by_state(session, "confirmation_ends_at")
        if unconfirmed and now < confirmation_ends_at:
            raise refused(
                "confirmations_pending",
                _("%(count)d bidder(s) may still confirm or object until %(ends)s.")
                % {
                    "count": len(unconfirmed),
                    "ends": shanghai_time(confirmation_ends_at, seconds=True),
                },
            )
        if session.objections.filter(answered_at__isnull=True).exists():
            raise refused(
                "objections_unanswered", _("Answer every objection before finalising the record.")
            )
        unruled = session.decryptions.filter(state=DecryptionState.FAILED, fault="")
        if unruled.exists():
            raise refused(
                "fault_not_recorded",
                _(
                    "Record whose fault each failed decryption was (办法 第31条) "
                    "before finalising: %(count)d bid(s) have no ruling."
                )
                % {"count": unruled.count()},
            )
        valid = session.decryptions.filter(state=DecryptionState.DECRYPTED).count()
        # The law's minimum (trading.law.checks) and the tender's own, whichever is higher.
        regime, own = tender.project.regime, tender.minimum_valid_bids
        minimum_rule = policy_for(regime).rule(MINIMUM_BIDS)
        minimum = required_bids(regime, tender_minimum=own)
        too_few = check_bid_count(regime, valid_bids=valid, tender_minimum=own)
        outcome = OpeningOutcome.FAILED if too_few else OpeningOutcome.OPENED
        document = canonical_json(_record_document(session, tender, now, valid, minimum, outcome))
        signature = sign_detached(document, credential=platform_credential())
        token = platform_timestamp_authority().timestamp(document)
        session = apply_transition(
            session,
            "finalise",
            actor=actor,
            action="opening.record_finalised",
            arguments=(now, outcome, document, signature, token),
            changed_fields=[
                "finalised_at",
                "outcome",
                "record_document",
                "record_signature",
                "record_timestamp_token",
            ],
            payload={
                "tender": str(tender.pk),
                "outcome": outcome,
                "valid_bids": valid,
                "record_sha256": _sha256(document),
            },
        )
        received = dict(session.decryptions.values_list("bid_id", "bid__received_at"))
        notice_publish(
            tender=tender,
            kind=NoticeKind.OPENING_RECORD,
            title=_("Opening record: %(title)s") % {"title": tender.title},
            body={
                "bids": [
                    {
                        "id": line["bid"],
                        "name": line["bidder"],
                        "uscc": line["uscc"],
                        "received_at": received[UUID(line["bid"])].isoformat(),
                        **(
                            {"price_fen": line["total_price_fen"]}
                            if line["total_price_fen"] is not None
                            else {}
                        ),
                        "status": "valid"
                        if line["decryption"] == DecryptionState.DECRYPTED
                        else "invalid",
                    }
                    for line in session.lines
                ],
                "text": _("%(valid)d valid bid(s); record SHA-256 %(sha)s.")
                % {"valid": valid, "sha": _sha256(document)},
            },
            actor=actor,
        )
        if outcome == OpeningOutcome.OPENED:
            apply_transition(
                tender,
                "finish_opening",
                actor=actor,
                action="tender.opened",
                payload={"valid_bids": valid},
            )
        else:
            apply_transition(
                tender,
                "fail",
                actor=actor,
                action="tender.failed",
                payload={"valid_bids": valid, "minimum_valid_bids": minimum},
            )
            notice_publish(
                tender=tender,
                kind=NoticeKind.FAILED_TENDER,
                title=_("Failed tender: %(title)s") % {"title": tender.title},
                body={
                    "reason": _(
                        "Only %(valid)d valid bid(s) were opened; at least "
                        "%(minimum)d are required (%(source)s)."
                    )
                    % {"valid": valid, "minimum": minimum, "source": minimum_rule.source}
                },
                actor=actor,
            )
    return session


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def opening_record(*, tender_id: UUID) -> dict[str, Any] | None:
    """The finalised record with its signature and token (public, as the notice is)."""
    session = OpeningSession.objects.filter(
        tender_id=tender_id, state=OpeningState.FINALISED
    ).first()
    if session is None:
        return None
    return signed_document_json(
        "record",
        bytes(session.record_document),
        bytes(session.record_signature),
        bytes(session.record_timestamp_token),
    )
