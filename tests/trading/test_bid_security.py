"""Bid security: at most 2% of the estimated price (估算价) or budget (预算金额), checked when the
draft is made and again at publication; refunded by due dates the policy gives."""

import datetime as dt

import pytest

from accounts.models import Role
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    TenderFactory,
    comprehensive_scoring_scheme,
)
from trading.law.periods import RefundDue, bid_security_refund_due
from trading.law.working_days import SHANGHAI, HolidayCalendar
from trading.models import Award, Candidate, Contract, Notice, NoticeKind, Tender, TenderState
from trading.selectors import tender_bid_security_refunds
from trading.services import Acting, TenderInvalid, tender_create_draft, tender_publish

WEEKENDS_ONLY = HolidayCalendar()


def at(month: int, day: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def tenderee_of(project) -> Acting:
    return Acting(user=MembershipFactory(role=Role.TENDEREE, organisation=project.tenderee).user)


def terms(**changes) -> dict:
    return {
        "title": "教学楼新建工程施工",
        "category": "works",
        "method": "open",
        "ceiling_price_fen": 8_500_000_00,
        "evaluation_method": "comprehensive_scoring",
        "scoring_scheme": comprehensive_scoring_scheme(),
        **changes,
    }


@pytest.mark.django_db
def test_a_draft_with_security_above_two_percent_of_the_estimated_price_is_refused():
    project = ProjectFactory()

    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(
            acting=tenderee_of(project),
            project=project,
            terms=terms(estimated_price_fen=9_000_000_00, bid_security_fen=180_000_01),
        )

    assert refused.value.problems == {
        "bid_security_fen": (
            "bid_security_fen: bid security must not exceed 2% of the estimated price "
            "(招标投标法实施条例 第二十六条), i.e. 180,000.00 yuan; it is 180,000.01 yuan"
        )
    }
    assert not Tender.objects.exists()


@pytest.mark.django_db
def test_a_procurement_draft_measures_the_security_against_its_budget():
    project = ProjectFactory(regime="government_procurement")

    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(
            acting=tenderee_of(project),
            project=project,
            terms=terms(
                category="goods", estimated_price_fen=1_000_000_00, bid_security_fen=20_000_01
            ),
        )

    assert refused.value.problems == {
        "bid_security_fen": (
            "bid_security_fen: bid security must not exceed 2% of the budget "
            "(政府采购法实施条例 第三十三条), i.e. 20,000.00 yuan; it is 20,000.01 yuan"
        )
    }


@pytest.mark.django_db
def test_a_draft_asking_a_security_needs_the_estimated_price():
    project = ProjectFactory()

    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(
            acting=tenderee_of(project), project=project, terms=terms(bid_security_fen=1_000_00)
        )

    assert refused.value.problems == {
        "estimated_price_fen": (
            "is required when a bid security is asked: the security may not exceed 2% of it "
            "(招标投标法实施条例 第二十六条)"
        )
    }


@pytest.mark.django_db
@pytest.mark.parametrize("estimate", [0, -1, 12.5, True, "1000"])
def test_an_estimated_price_that_is_not_positive_whole_fen_is_refused(estimate):
    project = ProjectFactory()
    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(
            acting=tenderee_of(project), project=project, terms=terms(estimated_price_fen=estimate)
        )
    assert refused.value.problems == {
        "estimated_price_fen": "must be a whole number of fen greater than 0"
    }


@pytest.mark.django_db
def test_a_draft_within_two_percent_keeps_its_estimated_price():
    project = ProjectFactory()
    draft = tender_create_draft(
        acting=tenderee_of(project),
        project=project,
        terms=terms(estimated_price_fen=9_000_000_00, bid_security_fen=180_000_00),
    )
    assert (draft.estimated_price_fen, draft.bid_security_fen) == (9_000_000_00, 180_000_00)


@pytest.mark.django_db
def test_publication_checks_the_security_again():
    # A draft written before the rule was enforced (the factory writes the row directly).
    tender = TenderFactory(estimated_price_fen=1_000_000_00, bid_security_fen=20_000_01)

    with pytest.raises(TenderInvalid) as refused:
        tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)

    assert set(refused.value.problems) == {"bid_security_fen"}
    assert "招标投标法实施条例 第二十六条" in refused.value.problems["bid_security_fen"]
    assert Tender.objects.get(pk=tender.pk).state == TenderState.DRAFT
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_publication_needs_the_estimated_price():
    tender = TenderFactory(estimated_price_fen=None, bid_security_fen=0)

    with pytest.raises(TenderInvalid) as refused:
        tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)

    assert refused.value.problems == {"estimated_price_fen": "is required before publication"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("regime", "description"),
    [
        ("works", "估算价"),
        ("government_procurement", "预算金额"),
    ],
)
def test_the_tender_notice_release_carries_the_estimated_price_as_the_budget(regime, description):
    tender = TenderFactory(
        project=ProjectFactory(regime=regime), category="goods", estimated_price_fen=12_500_000_00
    )
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)

    release = Notice.objects.get(tender=tender, kind=NoticeKind.TENDER_NOTICE).release

    assert release["planning"] == {
        "budget": {
            "id": f"{tender.pk}-budget",
            "description": description,
            "amount": {"amount": 12_500_000.0, "currency": "CNY"},
        }
    }
    assert release["tender"]["value"] == {"amount": 12_000_000.0, "currency": "CNY"}


def test_works_security_is_due_back_to_everyone_5_days_after_the_contract():
    refunds = bid_security_refund_due(
        "works", award_notice_at=at(2, 20), contract_signed_at=at(3, 2), calendar=WEEKENDS_ONLY
    )
    # 5 days after Mon 03-02 is Sat 03-07, rolled to Mon 03-09: due before 03-10 00:00.
    assert refunds == [
        RefundDue(
            "winner", at(3, 10, 0, 0), "bid_security_refund", "招标投标法实施条例 第五十七条"
        ),
        RefundDue(
            "others", at(3, 10, 0, 0), "bid_security_refund", "招标投标法实施条例 第五十七条"
        ),
    ]


def test_procurement_security_is_due_back_to_the_others_after_the_award_notice():
    refunds = bid_security_refund_due(
        "government_procurement",
        award_notice_at=at(3, 6),
        contract_signed_at=None,
        calendar=WEEKENDS_ONLY,
    )
    # Others: 5 working days after Fri 03-06 is Fri 03-13. The winner: no contract yet.
    assert refunds == [
        RefundDue("winner", None, "bid_security_refund", "财政部令第87号 第三十八条"),
        RefundDue(
            "others",
            at(3, 14, 0, 0),
            "unsuccessful_bid_security_refund",
            "财政部令第87号 第三十八条",
        ),
    ]
    with_contract = bid_security_refund_due(
        "government_procurement",
        award_notice_at=at(3, 6),
        contract_signed_at=at(3, 9),
        calendar=WEEKENDS_ONLY,
    )
    assert with_contract[0].due == at(3, 17, 0, 0)  # Mon 03-09 + 5 working days: Mon 03-16


@pytest.mark.django_db
def test_a_tenders_refund_due_dates_come_from_its_award_and_contract(settings):
    settings.TRADING_HOLIDAYS, settings.TRADING_MAKEUP_WORKDAYS = [], []
    tender = TenderFactory(
        project=ProjectFactory(regime="government_procurement"), category="goods"
    )
    winner = OrganisationFactory()
    assert [refund.due for refund in tender_bid_security_refunds(tender=tender)] == [None, None]

    Tender.objects.filter(pk=tender.pk).update(state=TenderState.AWARDED)
    candidate = Candidate.objects.create(
        tender=tender, rank=1, organisation=winner, price_fen=11_000_000_00
    )
    notice = Notice.objects.create(
        sequence=1,
        tender=tender,
        kind=NoticeKind.AWARD_ANNOUNCEMENT,
        title="中标结果公告",
        published_at=at(3, 6),
        release={},
        release_sha256="0" * 64,
        platform_signature=b"",
        timestamp_token=b"",
    )
    Award.objects.create(
        tender=tender,
        candidate=candidate,
        winner=winner,
        price_fen=candidate.price_fen,
        decided_by=MembershipFactory(role=Role.TENDEREE).user,
        decided_at=at(3, 6),
        announcement=notice,
        award_notice_at=at(3, 6),
        contract_due=at(4, 6),
    )
    assert [refund.due for refund in tender_bid_security_refunds(tender=tender)] == [
        None,
        at(3, 14, 0, 0),
    ]

    Contract.objects.create(
        tender=tender,
        supplier=winner,
        value_fen=candidate.price_fen,
        signed_at=at(3, 9),
        registered_by=MembershipFactory(role=Role.TENDEREE).user,
        registered_at=at(3, 9),
    )
    assert [refund.due for refund in tender_bid_security_refunds(tender=tender)] == [
        at(3, 17, 0, 0),
        at(3, 14, 0, 0),
    ]


@pytest.mark.django_db
def test_a_tender_asking_no_security_has_no_refund_due():
    assert tender_bid_security_refunds(tender=TenderFactory(bid_security_fen=0)) == []


@pytest.mark.django_db
def test_the_tender_page_shows_the_estimated_price_and_the_security(client):
    tender = TenderFactory(estimated_price_fen=12_500_000_00, bid_security_fen=20_000_00)
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert "12,500,000.00" in page and "20,000.00" in page
