"""Use cases after evaluation: candidate publicity, objections to it, award, contract.

The evaluation report's result (ranked candidates with their prices, and every bidder it names)
is the input of `candidates_publicize`; the rules come from trading/law/, each named with
its source when broken (docs/award-and-archive.md).
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, RoleMembership
from config.errors import Refusal
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from monitoring.transitions import TransitionRefused, apply_transition
from signing.canonical import canonical_json
from signing.cms import sign_detached
from signing.conf import platform_credential, platform_timestamp_authority
from trading.law.checks import check_candidates
from trading.law.periods import contract_due, due, publicity_window
from trading.law.regimes import policy_for
from trading.law.rules import (
    AWARD_DECISION,
    CANDIDATE_OBJECTION_ANSWER,
    CANDIDATE_PUBLICITY_START,
    Regime,
)
from trading.models import (
    Award,
    AwardLetter,
    AwardLetterKind,
    Candidate,
    CandidateObjection,
    CandidatePublicity,
    Contract,
    NoticeKind,
    ObjectionState,
    Tender,
    TenderState,
)
from trading.notices import notice_publish
from trading.ocds import ocid_of
from trading.services import Acting, TenderInvalid, manager_role

# Suspensions while an objection waits, alerts and sweeps act on the platform's authority.
PLATFORM = Actor(role="platform")
OBJECTION = "objection"


def _locked_tender(tender_id: UUID) -> Tender:
    return (
        Tender.objects.select_related("project", "project__tenderee")
        .select_for_update(of=("self",))
        .get(pk=tender_id)
    )


def _organisation_by_uscc(uscc: str, field: str) -> Organisation:
    organisation = Organisation.objects.filter(uscc=uscc).first()
    if organisation is None:
        raise TenderInvalid({field: _("no organisation with the code %(uscc)s") % {"uscc": uscc}})
    return organisation


def _validated_candidates(
    regime: str, candidates: Iterable[Mapping[str, Any]]
) -> list[tuple[int, Organisation, int]]:
    entries = list(candidates)
    for violation in check_candidates(regime, candidates=len(entries)):
        raise TenderInvalid({"candidates": violation.message})
    if not entries:
        raise TenderInvalid({"candidates": _("the report names no candidate")})
    result = []
    for index, entry in enumerate(entries):
        field = f"candidates[{index}]"
        rank, price = entry.get("rank"), entry.get("price_fen")
        if not isinstance(rank, int) or isinstance(rank, bool):
            raise TenderInvalid({f"{field}.rank": _("must be an integer")})
        if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
            raise TenderInvalid({f"{field}.price_fen": _("must be a positive integer of fen")})
        result.append((rank, _organisation_by_uscc(str(entry.get("uscc", "")), field), price))
    result.sort(key=lambda item: item[0])
    if [item[0] for item in result] != list(range(1, len(result) + 1)):
        raise TenderInvalid({"candidates": _("ranks must be 1, 2, … without gaps or repeats")})
    if len({item[1].pk for item in result}) != len(result):
        raise TenderInvalid({"candidates": _("an organisation is ranked twice")})
    return result


@transaction.atomic
def candidates_publicize(
    *,
    acting: Acting,
    tender_id: UUID,
    candidates: Iterable[Mapping[str, Any]],
    report_at: dt.datetime,
    bidders: Iterable[str] = (),
    state_funded: bool = True,
) -> CandidatePublicity:
    """Publish the report's candidates: evaluating → publicizing (条例 第五十三、五十四条).

    `candidates`: [{rank, uscc, price_fen, name?}] ranked from 1; `bidders`: the codes of the
    other bidders the report names (they receive result notices and may object). Works regime:
    published within 3 days of the report, lasting at least 3 days; government procurement has
    no candidate publicity, so its period ends when it is published.
    """
    tender = _locked_tender(tender_id)
    role = manager_role(acting, tender.project)
    regime = tender.project.regime
    if tender.state != TenderState.EVALUATING:
        raise TransitionRefused(
            _("tender %(id)s is %(state)s: candidates are publicized after evaluation")
            % {"id": tender.pk, "state": tender.state}
        )
    ranked = _validated_candidates(regime, candidates)
    if report_at.tzinfo is None:
        raise TenderInvalid({"report_at": _("must be an aware date and time")})
    now = database_now()
    if report_at > now:
        raise TenderInvalid({"report_at": _("the report cannot be received in the future")})
    policy = policy_for(regime)
    if policy.has(CANDIDATE_PUBLICITY_START):
        latest_start, ends_at = publicity_window(regime, report_at=report_at, published_at=now)
        if now >= latest_start:
            rule = policy.rule(CANDIDATE_PUBLICITY_START)
            raise TenderInvalid(
                {
                    "report_at": _(
                        "the candidates are published within %(number)s days of receiving the "
                        "evaluation report (%(source)s): the last moment was %(latest)s"
                    )
                    % {
                        "number": rule.number,
                        "source": rule.source,
                        "latest": shanghai_time(latest_start),
                    }
                }
            )
    else:
        ends_at = now
    others = [_organisation_by_uscc(uscc, "bidders") for uscc in bidders]
    actor = acting.as_actor(role)
    tender = apply_transition(
        tender,
        "publicize_candidates",
        actor=actor,
        action="tender.candidates_publicized",
        payload={
            "report_at": report_at.isoformat(),
            "publicity_ends_at": ends_at.isoformat(),
            "candidates": [
                {"rank": rank, "uscc": organisation.uscc, "price_fen": price}
                for rank, organisation, price in ranked
            ],
        },
    )
    Candidate.objects.bulk_create(
        [
            Candidate(tender=tender, rank=rank, organisation=organisation, price_fen=price)
            for rank, organisation, price in ranked
        ]
    )
    notice = notice_publish(
        tender=tender,
        kind=NoticeKind.CANDIDATE_PUBLICITY,
        actor=actor,
        title=_("Candidate publicity: %(title)s") % {"title": tender.title},
        body={
            "candidates": [
                {
                    "rank": rank,
                    "name": organisation.name,
                    "uscc": organisation.uscc,
                    "price_fen": price,
                }
                for rank, organisation, price in ranked
            ],
            "text": _("The publicity lasts until %(end)s.") % {"end": shanghai_time(ends_at)},
        },
    )
    publicity = CandidatePublicity.objects.create(
        tender=tender,
        report_at=report_at,
        published_at=now,
        ends_at=ends_at,
        state_funded=state_funded,
        notice=notice,
        published_by=acting.user,
    )
    publicity.bidders.set({item[1] for item in ranked} | set(others))
    return publicity


def _in_publicity(tender: Tender) -> bool:
    return tender.state == TenderState.PUBLICIZING or (
        tender.state == TenderState.SUSPENDED
        and tender.state_before_suspension == TenderState.PUBLICIZING
    )


@transaction.atomic
def candidate_objection_raise(*, acting: Acting, tender_id: UUID, text: str) -> CandidateObjection:
    """A bidder of the tender objects to the result during the publicity; the procedure is
    suspended until the tenderee answers (招标投标法实施条例 第五十四条)."""
    tender = _locked_tender(tender_id)
    publicity = CandidatePublicity.objects.filter(tender=tender).first()
    organisation_ids = (
        set(publicity.bidders.values_list("pk", flat=True)) if publicity is not None else set()
    )
    membership = RoleMembership.objects.filter(
        user=acting.user, role=Role.BIDDER, organisation_id__in=organisation_ids
    ).first()
    if publicity is None or membership is None:  # no publicity: no bidder of it either
        raise PermissionDenied(_("only a bidder of the tender objects to its evaluation result"))
    if not _in_publicity(tender):
        raise TransitionRefused(
            _("tender %(id)s is %(state)s: objections are taken during the candidate publicity")
            % {"id": tender.pk, "state": tender.state}
        )
    if not text.strip():
        raise TenderInvalid({"text": _("the objection has no text")})
    now = database_now()
    if now >= publicity.ends_at:
        raise TenderInvalid(
            {
                "raised_at": _(
                    "objections to the evaluation result are taken during the candidate publicity, "
                    "which ended at %(end)s (招标投标法实施条例 第五十四条)"
                )
                % {"end": shanghai_time(publicity.ends_at)}
            }
        )
    regime = tender.project.regime
    objection = CandidateObjection.objects.create(
        tender=tender,
        organisation_id=membership.organisation_id,
        raised_by=acting.user,
        text=text,
        raised_at=now,
        answer_due=due(regime, CANDIDATE_OBJECTION_ANSWER, start=now),
    )
    record_event(
        actor=acting.as_actor(Role.BIDDER),
        action="candidate_objection.raised",
        object_type="trading.candidateobjection",
        object_id=str(objection.pk),
        to_state=ObjectionState.RAISED,
        payload={"tender": str(tender.pk), "answer_due": objection.answer_due.isoformat()},
    )
    # 条例 第五十四条: 作出答复前，应当暂停招标投标活动.
    if tender.state == TenderState.PUBLICIZING:
        apply_transition(
            tender,
            "suspend",
            actor=PLATFORM,
            action="tender.suspended",
            arguments=(OBJECTION,),
            changed_fields=["state_before_suspension", "suspension_cause"],
            payload={
                "reason": "objection to the evaluation result",
                "objection": str(objection.pk),
            },
        )
    return objection


@transaction.atomic
def candidate_objection_answer(
    *, acting: Acting, objection_id: UUID, answer: str
) -> CandidateObjection:
    """The tenderee (or its agent) answers; the tender resumes when every objection is answered.

    An answer after the due time is still taken (the procedure cannot stay suspended), and its
    event says `late: true` for the supervisors.
    """
    objection = (
        CandidateObjection.objects.select_related("tender__project").filter(pk=objection_id).first()
    )
    if objection is None:  # an unknown id was a 500 (found by tests/fuzz)
        raise Refusal(
            "not_found",
            _("Objection %(objection)s does not exist.") % {"objection": objection_id},
            status=404,
        )
    tender = objection.tender
    role = manager_role(acting, tender.project)
    if not answer.strip():
        raise TenderInvalid({"answer": _("the answer has no text")})
    now = database_now()
    answered = apply_transition(
        objection,
        "record_answer",
        actor=acting.as_actor(role),
        action="candidate_objection.answered",
        arguments=(answer, now),
        changed_fields=["answer", "answered_at"],
        payload={"tender": str(tender.pk), "late": now >= objection.answer_due},
    )
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    still_open = CandidateObjection.objects.filter(tender=tender, state=ObjectionState.RAISED)
    # Lift only a suspension the objections caused during the publicity, never a supervisor's.
    if (
        tender.state == TenderState.SUSPENDED
        and tender.suspension_cause == OBJECTION
        and tender.state_before_suspension == TenderState.PUBLICIZING
        and not still_open.exists()
    ):
        apply_transition(
            tender,
            "resume",
            actor=PLATFORM,
            action="tender.resumed",
            changed_fields=["state_before_suspension", "suspension_cause"],
            payload={"reason": "every objection to the evaluation result is answered"},
        )
    return answered


def _first_ranked_rule(regime: str, publicity: CandidatePublicity) -> str | None:
    """The source of the rule that the first-ranked candidate wins, where one applies."""
    if regime == Regime.GOVERNMENT_PROCUREMENT:
        # 令87 第六十八条: 在评标报告确定的中标候选人名单中按顺序确定中标人.
        return policy_for(regime).rule(AWARD_DECISION).source
    if publicity.state_funded:
        return "招标投标法实施条例 第五十五条"
    return None


def letter_bytes(letter: AwardLetter) -> bytes:
    """The exact bytes the platform's signature and the token of a letter cover."""
    return canonical_json(letter.content)


def _issue_letter(
    *,
    tender: Tender,
    kind: str,
    organisation: Organisation,
    content: dict[str, Any],
    issued_at: dt.datetime,
) -> AwardLetter:
    letter = AwardLetter(tender=tender, kind=kind, organisation=organisation, issued_at=issued_at)
    letter.content = {
        **content,
        "id": str(letter.id),
        "kind": kind,
        "recipient": {"name": organisation.name, "uscc": organisation.uscc},
    }
    data = letter_bytes(letter)
    letter.content_sha256 = hashlib.sha256(data).hexdigest()
    letter.platform_signature = sign_detached(data, credential=platform_credential())
    letter.timestamp_token = platform_timestamp_authority().timestamp(data)
    letter.save(force_insert=True)
    record_event(
        actor=PLATFORM,
        action="award_letter.issued",
        object_type="trading.awardletter",
        object_id=str(letter.pk),
        payload={
            "tender": str(tender.pk),
            "kind": kind,
            "uscc": organisation.uscc,
            "content_sha256": letter.content_sha256,
        },
    )
    return letter


@transaction.atomic
def tender_award(
    *, acting: Acting, tender_id: UUID, winner_uscc: str, reason: str | None = None
) -> Award:
    """Choose the winner once the publicity is over with no objection open: publicizing →
    awarded, the award announcement, the award notice to the winner and a result notice to
    every other bidder (招标投标法 第四十五条)."""
    tender = _locked_tender(tender_id)
    role = manager_role(acting, tender.project)
    if tender.state != TenderState.PUBLICIZING:
        raise TransitionRefused(
            _(
                "tender %(id)s is %(state)s: only a tender whose candidates were publicized "
                "can be awarded"
            )
            % {"id": tender.pk, "state": tender.state}
        )
    publicity = CandidatePublicity.objects.get(tender=tender)
    regime = tender.project.regime
    now = database_now()
    if now < publicity.ends_at:
        raise TenderInvalid(
            {
                "publicity": _(
                    "the candidate publicity lasts until %(end)s (招标投标法实施条例 第五十四条)"
                )
                % {"end": shanghai_time(publicity.ends_at)}
            }
        )
    if CandidateObjection.objects.filter(tender=tender, state=ObjectionState.RAISED).exists():
        raise TenderInvalid(
            {
                "objections": _(
                    "an objection to the evaluation result is not answered yet "
                    "(招标投标法实施条例 第五十四条)"
                )
            }
        )
    candidate = (
        Candidate.objects.select_related("organisation")
        .filter(tender=tender, organisation__uscc=winner_uscc)
        .first()
    )
    if candidate is None:
        raise TenderInvalid(
            {"winner_uscc": _("%(uscc)s is not a candidate of this tender") % {"uscc": winner_uscc}}
        )
    reason = (reason or "").strip()
    source = _first_ranked_rule(regime, publicity)
    if candidate.rank != 1 and source is not None and not reason:
        raise TenderInvalid(
            {
                "winner_uscc": _(
                    "the first-ranked candidate wins unless it gives up or fails the conditions "
                    "(%(source)s): give the reason to award the candidate ranked %(rank)s"
                )
                % {"source": source, "rank": candidate.rank}
            }
        )
    winner = candidate.organisation
    actor = acting.as_actor(role)
    tender = apply_transition(
        tender,
        "award",
        actor=actor,
        action="tender.awarded",
        payload={
            "winner": winner.uscc,
            "rank": candidate.rank,
            "price_fen": candidate.price_fen,
            "reason": reason,
        },
    )
    announcement = notice_publish(
        tender=tender,
        kind=NoticeKind.AWARD_ANNOUNCEMENT,
        actor=actor,
        title=_("Award announcement: %(title)s") % {"title": tender.title},
        body={
            "awarded": {
                "name": winner.name,
                "uscc": winner.uscc,
                "price_fen": candidate.price_fen,
                "decided_at": now.isoformat(),
            }
        },
    )
    issued_at = database_now()
    due_at = contract_due(regime, award_notice_at=issued_at)
    tenderee = tender.project.tenderee
    common = {
        "purpose": "tender-award-letter",
        "ocid": ocid_of(tender),
        "tender": {
            "id": str(tender.pk),
            "title": tender.title,
            "project_code": tender.project.code,
        },
        "tenderee": {"name": tenderee.name, "uscc": tenderee.uscc},
        "awarded": {"name": winner.name, "uscc": winner.uscc, "price_fen": candidate.price_fen},
        "issued_at": issued_at.isoformat(),
    }
    _issue_letter(
        tender=tender,
        kind=AwardLetterKind.AWARD_NOTICE,
        organisation=winner,
        issued_at=issued_at,
        content={**common, "contract_due": due_at.isoformat()},
    )
    publicity = CandidatePublicity.objects.get(tender=tender)
    for organisation in publicity.bidders.exclude(pk=winner.pk).order_by("uscc"):
        _issue_letter(
            tender=tender,
            kind=AwardLetterKind.RESULT_NOTICE,
            organisation=organisation,
            issued_at=issued_at,
            content=common,
        )
    return Award.objects.create(
        tender=tender,
        candidate=candidate,
        winner=winner,
        price_fen=candidate.price_fen,
        reason=reason,
        decided_by=acting.user,
        decided_at=now,
        announcement=announcement,
        award_notice_at=issued_at,
        contract_due=due_at,
    )


@transaction.atomic
def contract_register(
    *, acting: Acting, tender_id: UUID, value_fen: int, signed_at: dt.datetime
) -> Contract:
    """Register the signed contract with the winner: awarded → contracted, and a contract
    release. A contract signed after the due day is registered; its event says `late: true`."""
    tender = _locked_tender(tender_id)
    role = manager_role(acting, tender.project)
    if tender.state != TenderState.AWARDED:
        raise TransitionRefused(
            _("tender %(id)s is %(state)s: a contract is registered after the award")
            % {"id": tender.pk, "state": tender.state}
        )
    if not isinstance(value_fen, int) or isinstance(value_fen, bool) or value_fen <= 0:
        raise TenderInvalid({"value_fen": _("must be a positive integer of fen")})
    award = Award.objects.select_related("winner").get(tender=tender)
    now = database_now()
    if signed_at.tzinfo is None:
        raise TenderInvalid({"signed_at": _("must be an aware date and time")})
    if signed_at > now or signed_at < award.award_notice_at:
        raise TenderInvalid(
            {
                "signed_at": _("must be between the award notice (%(notice)s) and now")
                % {"notice": shanghai_time(award.award_notice_at)}
            }
        )
    actor = acting.as_actor(role)
    tender = apply_transition(
        tender,
        "register_contract",
        actor=actor,
        action="tender.contracted",
        payload={
            "value_fen": value_fen,
            "signed_at": signed_at.isoformat(),
            "contract_due": award.contract_due.isoformat(),
            "late": signed_at >= award.contract_due,
        },
    )
    contract = Contract.objects.create(
        tender=tender,
        supplier=award.winner,
        value_fen=value_fen,
        signed_at=signed_at,
        registered_by=acting.user,
        registered_at=now,
    )
    notice_publish(
        tender=tender,
        kind=NoticeKind.AWARD_ANNOUNCEMENT,
        actor=actor,
        title=_("Contract: %(title)s") % {"title": tender.title},
        body={
            "awarded": {
                "name": award.winner.name,
                "uscc": award.winner.uscc,
                "price_fen": award.price_fen,
                "decided_at": award.decided_at.isoformat(),
            },
            "contract": {
                "id": str(contract.pk),
                "value_fen": value_fen,
                "signed_at": signed_at.isoformat(),
            },
        },
    )
    return contract


def _alert_if_overdue(tender_id: UUID) -> bool:
    with transaction.atomic():
        award = Award.objects.select_for_update().filter(tender_id=tender_id).first()
        now = database_now()
        if (
            award is None
            or award.overdue_alerted_at is not None
            or award.contract_due > now
            or not Tender.objects.filter(pk=tender_id, state=TenderState.AWARDED).exists()
        ):
            return False
        Award.objects.filter(pk=award.pk).update(overdue_alerted_at=now)
        record_event(
            actor=PLATFORM,
            action="contract.overdue",
            object_type="trading.tender",
            object_id=str(tender_id),
            payload={
                "tender": str(tender_id),
                "award_notice_at": award.award_notice_at.isoformat(),
                "contract_due": award.contract_due.isoformat(),
                "at": now.isoformat(),
                "rule": "招标投标法 第四十六条",
            },
        )
    return True


def award_sweep_overdue() -> int:
    """Chronograph sweep: one `contract.overdue` alert per awarded tender whose contract is not
    registered 30 days after the award notice (招标投标法 第四十六条). Run twice: one alert."""
    now = database_now()
    due_ids = Award.objects.filter(
        tender__state=TenderState.AWARDED, overdue_alerted_at__isnull=True, contract_due__lte=now
    ).values_list("tender_id", flat=True)
    return sum(_alert_if_overdue(tender_id) for tender_id in list(due_ids))
