"""Compliance rules, defence in depth on the data: an opening recorded as opened with too few
valid bids, an unlawful panel, a schedule that breaks a rule — each one red card, once."""

import pytest

from bids.models import BidDecryption, DecryptionState, OpeningOutcome, OpeningSession
from evaluation.models import PanelSeat, SeatState
from monitoring.models import Alert
from supervision.rules.engine import rules_evaluate
from tests.evaluation.stories import opened_tender
from tests.supervision.console_stories import clock_at, complete_panel, published_tender, shanghai
from trading.models import Project, Tender, TenderState


def compliance_alerts() -> list[tuple[str, str, str]]:
    return list(
        Alert.objects.filter(kind__in=["minimum_bids", "panel_composition", "schedule"])
        .order_by("kind")
        .values_list("kind", "severity", "object_type")
    )


@pytest.mark.django_db
def test_an_opening_recorded_as_opened_with_two_valid_bids_is_a_red_card(settings):
    story = opened_tender([10_000_000_00, 10_200_000_00, 9_800_000_00])
    session = OpeningSession.objects.get(tender=story.tender)
    OpeningSession.objects.filter(pk=session.pk).update(
        state="finalised", outcome=OpeningOutcome.OPENED
    )
    BidDecryption.objects.filter(bid=story.bids[0]).update(state=DecryptionState.FAILED)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
        rules_evaluate()
    alert = Alert.objects.get(kind="minimum_bids")
    assert (alert.severity, alert.object_id, alert.tender_id, alert.rule_source) == (
        "red",
        str(session.pk),
        str(story.tender.pk),
        "招标投标法 第二十八条; 招标投标法实施条例 第四十四条",
    )
    assert alert.evidence["facts"]["valid_bids"] == 2
    assert "at least 3 are needed" in alert.message


@pytest.mark.django_db
def test_an_opening_with_enough_valid_bids_raises_nothing(settings):
    story = opened_tender()
    OpeningSession.objects.filter(tender=story.tender).update(
        state="finalised", outcome=OpeningOutcome.OPENED
    )
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert compliance_alerts() == []


@pytest.mark.django_db
def test_a_complete_panel_with_an_even_number_of_members_is_unlawful(settings):
    tender = published_tender(TenderState.EVALUATING)
    panel = complete_panel(tender, members=6)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    alert = Alert.objects.get(kind="panel_composition")
    assert (alert.object_id, alert.severity) == (str(panel.pk), "red")
    assert alert.evidence["facts"]["members"] == 6
    assert "an odd number of members" in alert.message


@pytest.mark.django_db
def test_a_large_procurement_panel_needs_seven_members(settings):
    tender = published_tender(TenderState.EVALUATING, estimated_price_fen=20_000_000_00)
    Project.objects.filter(pk=tender.project_id).update(regime="government_procurement")
    complete_panel(tender, members=5)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    alert = Alert.objects.get(kind="panel_composition")
    assert alert.rule_source == "财政部令第87号 第四十七条"
    assert "at least 7 members" in alert.message


@pytest.mark.django_db
def test_a_recused_member_leaves_the_panel_short(settings):
    panel = complete_panel(published_tender(TenderState.EVALUATING), members=5)
    PanelSeat.objects.filter(pk=panel.seats.first().pk).update(state=SeatState.RECUSED)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert compliance_alerts() == [("panel_composition", "red", "evaluation.panel")]


@pytest.mark.django_db
def test_a_schedule_edited_by_hand_below_the_legal_minimum_is_a_red_card(settings):
    # 法 第二十四条: at least 20 days from the documents' issue to the deadline.
    tender = published_tender(
        published_at=shanghai("2026-03-02 09:00"),
        documents_from=shanghai("2026-03-02 09:00"),
        documents_until=shanghai("2026-03-12 17:00"),
        clarification_cutoff=shanghai("2026-03-03 09:00"),
        bid_deadline=shanghai("2026-03-20 09:30"),
    )
    with clock_at(settings, shanghai("2026-03-04 09:00")):
        rules_evaluate()
        rules_evaluate()
    alert = Alert.objects.get(kind="schedule")
    assert (alert.object_id, alert.severity) == (str(tender.pk), "red")
    rules = [item["rule"] for item in alert.evidence["facts"]["violations"]]
    assert rules == ["issue_to_deadline"]
    assert alert.rule_source == "招标投标法 第二十四条"


@pytest.mark.django_db
def test_a_lawful_schedule_raises_nothing(settings):
    tender = published_tender()
    Tender.objects.filter(pk=tender.pk).update(published_at=tender.documents_from)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert compliance_alerts() == []
