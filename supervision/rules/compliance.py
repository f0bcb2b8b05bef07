"""Compliance rules on the data, as defence in depth: the services refuse these at the act, and
the rules find what slipped through (a row edited by hand, a service with a bug): an opening
with fewer valid bids than the minimum, an unlawful panel, a schedule that breaks a rule.

Each finding is one red card per object, raised once (a rule's severity may be set lower).
"""

import datetime as dt

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from bids.models import DecryptionState, OpeningOutcome, OpeningSession, OpeningState
from evaluation.models import Panel, PanelState, SeatKind, SeatState
from supervision.rules.common import not_yet_alerted
from supervision.rules.registry import AlertRule, Breach
from trading.law.checks import check_bid_count, check_panel
from trading.law.regimes import policy_for
from trading.law.rules import MINIMUM_BIDS, Regime, Violation
from trading.law.schedule import check_schedule
from trading.models import Tender, TenderState

TENDER = "trading.tender"


def _sources(violations: list[Violation]) -> str:
    return "; ".join(dict.fromkeys(violation.source for violation in violations))


def _violation_facts(violations: list[Violation]) -> list[dict[str, str]]:
    return [
        {"field": item.field, "rule": item.rule_code, "message": item.message}
        for item in violations
    ]


def minimum_bids(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """An opening recorded as opened with fewer valid (decrypted) bids than the tender needs
    (招标投标法 第二十八条, 条例 第四十四条; 政府采购法 第三十六条)."""
    object_type = "bids.openingsession"
    law_minimum = max(int(policy_for(regime).number(MINIMUM_BIDS)) for regime in Regime)
    sessions = (
        OpeningSession.objects.filter(state=OpeningState.FINALISED, outcome=OpeningOutcome.OPENED)
        .filter(rule.published_in_range("tender__"))
        .annotate(
            valid=Count("decryptions", filter=Q(decryptions__state=DecryptionState.DECRYPTED))
        )
        # Only what could be short: the exact count is checked below, by the law's rule.
        .filter(valid__lt=Greatest(F("tender__minimum_valid_bids"), Value(law_minimum)))
        .filter(not_yet_alerted(rule, object_type))
        .select_related("tender", "tender__project")
    )
    breaches = []
    for session in sessions:
        tender = session.tender
        violations = check_bid_count(
            tender.project.regime,
            valid_bids=session.valid,
            tender_minimum=tender.minimum_valid_bids,
        )
        if not violations:
            continue
        breaches.append(
            Breach(
                key=f"{object_type}:{session.pk}",
                object_type=object_type,
                object_id=str(session.pk),
                tender_id=str(tender.pk),
                severity=rule.severity,
                message=_("The opening of %(tender)s was recorded as opened: %(problem)s.")
                % {"tender": tender.title, "problem": violations[0].message},
                source=_sources(violations),
                facts={
                    "valid_bids": session.valid,
                    "minimum_valid_bids": tender.minimum_valid_bids,
                    "violations": _violation_facts(violations),
                },
                objects=((object_type, str(session.pk)), (TENDER, str(tender.pk))),
            )
        )
    return breaches


def panel_composition(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """A complete panel whose confirmed members break the size or the experts' share
    (招标投标法 第三十七条; 财政部令第87号 第四十七条)."""
    object_type = "evaluation.panel"
    panels = (
        Panel.objects.filter(state__in=[PanelState.COMPLETE, PanelState.REVEALED])
        .filter(rule.published_in_range("tender__"))
        .annotate(
            members=Count("seats", filter=Q(seats__state=SeatState.CONFIRMED)),
            experts=Count(
                "seats", filter=Q(seats__state=SeatState.CONFIRMED, seats__kind=SeatKind.EXPERT)
            ),
        )
        .filter(not_yet_alerted(rule, object_type))
        .select_related("tender", "tender__project")
    )
    breaches = []
    for panel in panels:
        tender = panel.tender
        violations = check_panel(
            tender.project.regime,
            members=panel.members,
            experts=panel.experts,
            budget_fen=tender.estimated_price_fen or tender.ceiling_price_fen,
        )
        if not violations:
            continue
        breaches.append(
            Breach(
                key=f"{object_type}:{panel.pk}",
                object_type=object_type,
                object_id=str(panel.pk),
                tender_id=str(tender.pk),
                severity=rule.severity,
                message=_("The panel of %(tender)s is unlawful: %(problems)s.")
                % {
                    "tender": tender.title,
                    "problems": "; ".join(item.message for item in violations),
                },
                source=_sources(violations),
                facts={
                    "members": panel.members,
                    "experts": panel.experts,
                    "violations": _violation_facts(violations),
                },
                objects=((object_type, str(panel.pk)), (TENDER, str(tender.pk))),
            )
        )
    return breaches


def schedule(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """A tender taking bids whose schedule breaks a rule (trading.law.schedule.check_schedule:
    招标投标法 第二十三、二十四条, 条例 第十六、二十一条 and their procurement twins)."""
    tenders = (
        Tender.objects.filter(
            state__in=[TenderState.PUBLISHED, TenderState.BIDDING_CLOSED],
            published_at__isnull=False,
            documents_from__isnull=False,
            documents_until__isnull=False,
            clarification_cutoff__isnull=False,
            bid_deadline__isnull=False,
        )
        .filter(rule.published_in_range())
        .filter(not_yet_alerted(rule, TENDER))
        .select_related("project")
    )
    breaches = []
    for tender in tenders:
        assert tender.published_at and tender.documents_from and tender.documents_until
        assert tender.clarification_cutoff and tender.bid_deadline
        violations = check_schedule(
            tender.project.regime,
            published_at=tender.published_at,
            documents_from=tender.documents_from,
            documents_until=tender.documents_until,
            clarification_cutoff=tender.clarification_cutoff,
            bid_deadline=tender.bid_deadline,
            decryption_window_minutes=tender.decryption_window_minutes,
        )
        if not violations:
            continue
        breaches.append(
            Breach(
                key=f"{TENDER}:{tender.pk}",
                object_type=TENDER,
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                severity=rule.severity,
                message=_("The schedule of %(tender)s breaks a rule: %(problems)s.")
                % {
                    "tender": tender.title,
                    "problems": "; ".join(item.message for item in violations),
                },
                source=_sources(violations),
                facts={"violations": _violation_facts(violations)},
                objects=((TENDER, str(tender.pk)),),
            )
        )
    return breaches
