"""Clarifications, amendments and terminations: published as notices, sent to every bidder
that obtained the documents."""

import pytest

from accounts.models import Role
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TenderDocumentFactory,
    TenderFactory,
    days_from_now,
)
from tests.trading.schedules import published_days_ago
from trading.models import (
    BidderNotification,
    DocumentDownload,
    Notice,
    NoticeKind,
    Tender,
)
from trading.notices import notice_verify
from trading.services import (
    Acting,
    tender_amend_deadline,
    tender_cancel,
    tender_clarify,
    tender_publish,
)


@pytest.fixture
def tender():
    tender = TenderFactory()
    tender.acting = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    )
    tender_publish(acting=tender.acting, tender_id=tender.pk)
    return tender


def obtained_by(tender, count: int) -> list:
    """`count` bidders obtained the documents (recorded as the download service does)."""
    document = TenderDocumentFactory(tender=tender, uploaded_by=tender.acting.user)
    organisations = []
    for _ in range(count):
        organisation = OrganisationFactory()
        user = MembershipFactory(role=Role.BIDDER, organisation=organisation).user
        for _twice in range(2):  # downloading twice is one bidder, told once
            DocumentDownload.objects.create(
                tender=tender,
                document=document,
                organisation=organisation,
                user=user,
                downloaded_at=days_from_now(0),
            )
        organisations.append(organisation)
    return organisations


@pytest.mark.django_db
def test_publishing_issues_a_signed_tender_notice(client, tender):
    notice = Notice.objects.get(tender=tender)
    assert notice.kind == NoticeKind.TENDER_NOTICE
    assert notice.release["tag"] == ["tender"]
    assert notice_verify(notice).release_sha256 == notice.release_sha256
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert notice.title in page


@pytest.mark.django_db
def test_a_clarification_reaches_every_bidder_that_obtained_the_documents(client, tender):
    bidders = obtained_by(tender, 3)
    correction = "工程量清单第3项更正为1200立方米"
    tender_clarify(acting=tender.acting, tender_id=tender.pk, text=correction)

    notice = Notice.objects.get(tender=tender, kind=NoticeKind.AMENDMENT)
    told = set(
        BidderNotification.objects.filter(notice=notice).values_list("organisation_id", flat=True)
    )
    assert told == {organisation.pk for organisation in bidders}
    reader = bidders[0].memberships.get().user
    client.force_login(reader)
    listed = client.get("/api/v1/notifications").json()
    assert [item["notice"] for item in listed] == [str(notice.pk)]


@pytest.mark.django_db
def test_a_late_clarification_moves_the_deadline(tender):
    published_days_ago(tender, 10)  # a lawful schedule with the deadline 10 days away
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=days_from_now(10))
    before = Tender.objects.get(pk=tender.pk).bid_deadline

    clarified = tender_clarify(acting=tender.acting, tender_id=tender.pk, text="补充说明")

    assert clarified.bid_deadline > before
    assert (clarified.bid_deadline - days_from_now(0)).days >= 14
    notice = Notice.objects.get(tender=tender, kind=NoticeKind.AMENDMENT)
    assert "The bid deadline moves" in notice.body["changes"]


@pytest.mark.django_db
def test_an_early_clarification_keeps_the_deadline(tender):
    before = Tender.objects.get(pk=tender.pk).bid_deadline
    clarified = tender_clarify(acting=tender.acting, tender_id=tender.pk, text="答疑")
    assert clarified.bid_deadline == before
    assert "changes" not in Notice.objects.get(kind=NoticeKind.AMENDMENT).body


@pytest.mark.django_db
def test_an_amendment_is_published_and_sent(tender):
    bidders = obtained_by(tender, 2)
    tender_amend_deadline(
        acting=tender.acting,
        tender_id=tender.pk,
        bid_deadline=days_from_now(30),
        reason="延长投标截止时间",
    )
    notice = Notice.objects.get(kind=NoticeKind.AMENDMENT)
    assert notice.release["tender"]["amendments"][0]["rationale"] == "延长投标截止时间"
    assert BidderNotification.objects.filter(notice=notice).count() == len(bidders)


@pytest.mark.django_db
def test_terminating_a_published_tender_publishes_a_termination_notice(tender):
    obtained_by(tender, 1)
    tender_cancel(acting=tender.acting, tender_id=tender.pk, reason="项目资金未落实")
    notice = Notice.objects.get(kind=NoticeKind.TERMINATION)
    assert notice.release["tender"]["status"] == "cancelled"
    assert BidderNotification.objects.filter(notice=notice).count() == 1


@pytest.mark.django_db
def test_cancelling_a_draft_publishes_nothing():
    draft = TenderFactory()
    acting = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee).user
    )
    tender_cancel(acting=acting, tender_id=draft.pk, reason="草稿作废")
    assert Notice.objects.count() == 0
