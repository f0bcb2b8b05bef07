"""Timeliness rules on a frozen clock: an act the law gives a period is a yellow card the day
before it is due and a red card once overdue; the rule run raises one alert per breach and turns
the same alert red (docs/supervision.md, "Alert rules")."""

import datetime as dt

import pytest

from accounts.acting import Acting
from monitoring.models import Alert, AlertSeverity, AlertState, Event
from supervision.rules.engine import rules_evaluate
from supervision.rules.lifecycle import alert_acknowledge
from tests.supervision.console_stories import (
    awarded_tender,
    clock_at,
    evaluating_tender,
    published_tender,
    reported_tender,
    shanghai,
    supervisor,
)
from trading.bid_security import bid_security_refund_record
from trading.law.periods import contract_due
from trading.models import Contract, DocumentObjection, ObjectionState, TenderState


def alert_events() -> list[tuple[str, str]]:
    return list(
        Event.objects.filter(action__startswith="alert.")
        .order_by("sequence")
        .values_list("action", "object_id")
    )


@pytest.mark.django_db
def test_a_contract_stage_turns_yellow_then_red(settings):
    # Award notice Mon 2026-03-02: the 30th day is Wed 04-01, so the contract is due before
    # Thu 04-02 00:00 (招标投标法 第四十六条).
    notice_at = shanghai("2026-03-02 10:00")
    due = contract_due("works", award_notice_at=notice_at)
    assert due == shanghai("2026-04-02 00:00")
    tender = awarded_tender(award_notice_at=notice_at, contract_due=due)

    with clock_at(settings, shanghai("2026-03-31 12:00")):  # 36 hours before: nothing yet
        rules_evaluate()
    assert not Alert.objects.exists()

    with clock_at(settings, shanghai("2026-04-01 06:00")):  # 18 hours before: a yellow card
        first = rules_evaluate()
        again = rules_evaluate()
    alert = Alert.objects.get()
    assert (first.raised, again.raised, again.unchanged) == (1, 0, 1)
    assert (alert.kind, alert.severity, alert.state, alert.object_id, alert.tender_id) == (
        "contract_signing",
        AlertSeverity.YELLOW,
        AlertState.OPEN,
        str(tender.pk),
        str(tender.pk),
    )
    assert alert.rule_source == "招标投标法 第四十六条"
    assert alert.message == (
        f"The contract of {tender.title} must be signed before 2026-04-02 00:00 "
        "(Asia/Shanghai) (招标投标法 第四十六条): the award notice was issued at "
        "2026-03-02 10:00 (Asia/Shanghai) and no contract is registered."
    )
    assert alert.evidence["facts"] == {
        "award_notice_at": notice_at.isoformat(),
        "due": due.isoformat(),
    }
    assert alert_events() == [("alert.raised", str(alert.pk))]

    with clock_at(settings, shanghai("2026-04-02 00:00") + dt.timedelta(seconds=30)):
        overdue = rules_evaluate()
        later = rules_evaluate()
    red = Alert.objects.get()
    assert (overdue.escalated, later.escalated, later.raised) == (1, 0, 0)
    assert (red.pk, red.severity, red.state) == (alert.pk, AlertSeverity.RED, AlertState.OPEN)
    assert red.escalated_at is not None
    assert alert_events() == [("alert.raised", str(alert.pk)), ("alert.escalated", str(alert.pk))]
    escalated = Event.objects.get(action="alert.escalated")
    assert (escalated.payload["from_severity"], escalated.payload["to_severity"]) == (
        "yellow",
        "red",
    )


@pytest.mark.django_db
def test_a_yellow_card_acknowledged_opens_again_when_it_turns_red(settings):
    notice_at = shanghai("2026-03-02 10:00")
    awarded_tender(award_notice_at=notice_at, contract_due=shanghai("2026-04-02 00:00"))
    with clock_at(settings, shanghai("2026-04-01 12:00")):
        rules_evaluate()
        alert_acknowledge(acting=supervisor(), alert_id=Alert.objects.get().pk)
    with clock_at(settings, shanghai("2026-04-02 09:00")):
        rules_evaluate()
    alert = Alert.objects.get()
    assert (alert.severity, alert.state) == (AlertSeverity.RED, AlertState.OPEN)
    # Who acknowledged the yellow card stays on record.
    assert alert.acknowledged_by is not None


@pytest.mark.django_db
def test_a_contract_signed_late_is_a_red_card_at_once(settings):
    tender = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
    )
    Contract.objects.create(
        tender=tender,
        supplier=tender.award_decision.winner,
        value_fen=9_000_000_00,
        signed_at=shanghai("2026-04-03 10:00"),
        registered_by=tender.award_decision.decided_by,
        registered_at=shanghai("2026-04-03 11:00"),
    )
    with clock_at(settings, shanghai("2026-04-05 10:00")):
        rules_evaluate()
    alert = Alert.objects.get()
    assert (alert.severity, alert.evidence["facts"]["signed_at"]) == (
        AlertSeverity.RED,
        shanghai("2026-04-03 10:00").isoformat(),
    )


@pytest.mark.django_db
def test_a_contract_signed_in_time_raises_nothing(settings):
    tender = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
    )
    Contract.objects.create(
        tender=tender,
        supplier=tender.award_decision.winner,
        value_fen=9_000_000_00,
        signed_at=shanghai("2026-03-20 10:00"),
        registered_by=tender.award_decision.decided_by,
        registered_at=shanghai("2026-03-20 11:00"),
    )
    with clock_at(settings, shanghai("2026-05-01 10:00")):
        rules_evaluate()
    assert not Alert.objects.filter(kind="contract_signing").exists()


@pytest.mark.django_db
def test_the_publicity_start_turns_yellow_then_red(settings):
    # Report Mon 2026-03-02: the publicity must start before Fri 03-06 00:00 (条例 第五十四条).
    tender = reported_tender(signed_at=shanghai("2026-03-02 15:00"))
    with clock_at(settings, shanghai("2026-03-04 23:00")):
        rules_evaluate()
    assert not Alert.objects.exists()
    with clock_at(settings, shanghai("2026-03-05 01:00")):
        rules_evaluate()
    assert list(Alert.objects.values_list("kind", "severity", "object_id")) == [
        ("publicity_start", "yellow", str(tender.pk))
    ]
    with clock_at(settings, shanghai("2026-03-06 00:01")):
        rules_evaluate()
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule_source) == ("red", "招标投标法实施条例 第五十四条")
    assert "before 2026-03-06 00:00 (Asia/Shanghai)" in alert.message


@pytest.mark.django_db
def test_an_unanswered_objection_turns_red_without_naming_its_author(settings):
    tender = published_tender(bid_deadline=shanghai("2026-03-30 09:30"))
    bidder = published_tender().project.tenderee  # any organisation will do as the author
    objection = DocumentObjection.objects.create(
        tender=tender,
        organisation=bidder,
        raised_by=supervisor("author").user,
        text="评分标准不明确",
        raised_at=shanghai("2026-03-02 10:00"),
        answer_due=shanghai("2026-03-06 00:00"),
    )
    with clock_at(settings, shanghai("2026-03-06 08:00")):
        rules_evaluate()
    alert = Alert.objects.get(kind="objection_answer")
    assert (alert.severity, alert.object_type, alert.object_id) == (
        "red",
        "trading.documentobjection",
        str(objection.pk),
    )
    assert alert.rule_source == "招标投标法实施条例 第二十二条"
    assert bidder.name not in alert.message and bidder.uscc not in str(alert.evidence)
    assert objection.state == ObjectionState.RAISED


@pytest.mark.django_db
def test_an_evaluation_over_its_window_is_a_red_card(settings):
    session = evaluating_tender(ends_at=shanghai("2026-03-02 18:00"))
    with clock_at(settings, shanghai("2026-03-02 08:00")):
        rules_evaluate()
    assert Alert.objects.get().severity == "yellow"
    with clock_at(settings, shanghai("2026-03-02 18:30")):
        rules_evaluate()
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.object_id, alert.tender_id) == (
        "evaluation_overtime",
        "red",
        str(session.pk),
        str(session.tender_id),
    )


@pytest.mark.django_db
def test_bid_security_not_refunded_after_the_contract_is_red(settings):
    tender = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
    )
    Contract.objects.create(
        tender=tender,
        supplier=tender.award_decision.winner,
        value_fen=9_000_000_00,
        signed_at=shanghai("2026-03-10 10:00"),
        registered_by=tender.award_decision.decided_by,
        registered_at=shanghai("2026-03-10 11:00"),
    )
    type(tender).objects.filter(pk=tender.pk).update(state=TenderState.CONTRACTED)
    # Works: to the winner and the others within 5 days of the contract (条例 第五十七条):
    # the 5th day is Sun 03-15, rolled to Mon 03-16, so due before 03-17 00:00.
    with clock_at(settings, shanghai("2026-03-17 08:00")):
        rules_evaluate()
    alerts = Alert.objects.filter(kind="bid_security_refund").order_by("breach_key")
    assert [(alert.breach_key.rsplit(":", 1)[1], alert.severity) for alert in alerts] == [
        ("others", "red"),
        ("winner", "red"),
    ]
    assert {alert.evidence["facts"]["due"] for alert in alerts} == {
        shanghai("2026-03-17 00:00").isoformat()
    }


@pytest.mark.django_db
def test_bid_security_refunded_in_time_raises_nothing(settings):
    tender = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
    )
    Contract.objects.create(
        tender=tender,
        supplier=tender.award_decision.winner,
        value_fen=9_000_000_00,
        signed_at=shanghai("2026-03-10 10:00"),
        registered_by=tender.award_decision.decided_by,
        registered_at=shanghai("2026-03-10 11:00"),
    )
    type(tender).objects.filter(pk=tender.pk).update(state=TenderState.CONTRACTED)
    tenderee = Acting(user=tender.award_decision.decided_by, client_ip="10.0.0.8")
    with clock_at(settings, shanghai("2026-03-16 15:00")):
        for recipients in ("winner", "others"):
            bid_security_refund_record(
                acting=tenderee,
                tender_id=tender.pk,
                recipients=recipients,
                refunded_at=shanghai("2026-03-13 09:00"),
            )
    with clock_at(settings, shanghai("2026-03-17 08:00")):
        rules_evaluate()
    assert not Alert.objects.filter(kind="bid_security_refund").exists()
    assert Event.objects.filter(action="bid_security.refunded").count() == 2


@pytest.mark.django_db
def test_a_rule_applies_only_to_tenders_published_in_its_validity(settings):
    settings.SUPERVISION_ALERT_RULES = {
        "contract_signing": {"valid_from": "2026-02-01", "valid_until": "2026-12-31"}
    }
    awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"),
        contract_due=shanghai("2026-04-02 00:00"),
        published_at=shanghai("2026-01-31 23:59"),
    )
    inside = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"),
        contract_due=shanghai("2026-04-02 00:00"),
        published_at=shanghai("2026-02-01 00:00"),
    )
    with clock_at(settings, shanghai("2026-04-03 10:00")):
        rules_evaluate()
    assert list(Alert.objects.values_list("object_id", flat=True)) == [str(inside.pk)]
