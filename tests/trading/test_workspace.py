"""The tenderee's workspace in the browser: draft, publish, amend, and only its own tenders."""

import pytest

from accounts.models import Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    TenderDocumentFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)
from trading.models import Tender, TenderState


def local(days: float) -> str:
    """A datetime-local form value, as the browser sends it (Asia/Shanghai wall time)."""
    from django.utils import timezone

    return timezone.localtime(days_from_now(days)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def tenderee(client, project):
    user = MembershipFactory(role=Role.TENDEREE, organisation=project.tenderee).user
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_a_tenderee_drafts_a_tender_in_the_browser_and_publishes_it(client, project, tenderee):
    response = client.post(
        "/tenders/workspace/new/",
        {
            "project": str(project.pk),
            "title": "体育馆维修工程",
            "category": "works",
            "method": "open",
            "ceiling_price": "500000.00",
            "bid_security": "10000",
            "estimated_price": "520000.00",
            "evaluation_method": "lowest_evaluated_price",
            "documents_from": local(0.02),
            "documents_until": local(12),
            "clarification_cutoff": local(9),
            "bid_deadline": local(25),
        },
    )
    assert response.status_code == 302
    tender = Tender.objects.get()
    assert response["Location"] == f"/tenders/workspace/{tender.pk}/"
    assert (tender.estimated_price_fen, tender.bid_security_fen) == (520_000_00, 10_000_00)
    page = client.get("/tenders/workspace/").content.decode()
    assert "体育馆维修工程" in page
    assert f"/tenders/workspace/{tender.pk}/" in page
    assert (
        f"/tenders/workspace/{tender.pk}/publish/"
        in client.get(f"/tenders/workspace/{tender.pk}/").content.decode()
    )

    published = client.post(f"/tenders/workspace/{tender.pk}/publish/", follow=True)

    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED
    assert "The tender is published" in published.content.decode()
    assert (
        f"/tenders/workspace/{tender.pk}/publish/"
        not in client.get(f"/tenders/workspace/{tender.pk}/").content.decode()
    )


@pytest.mark.django_db
def test_a_draft_with_a_bad_price_shows_the_problem(client, project, tenderee):
    response = client.post(
        "/tenders/workspace/new/",
        {
            "project": str(project.pk),
            "title": "x",
            "category": "works",
            "method": "open",
            "ceiling_price": "0",
            "bid_security": "0",
            "evaluation_method": "lowest_evaluated_price",
            "documents_from": local(0.02),
            "documents_until": local(12),
            "clarification_cutoff": local(9),
            "bid_deadline": local(25),
        },
    )
    assert response.status_code == 200
    assert "ceiling_price" in response.context["form"].errors
    assert Tender.objects.count() == 0


@pytest.mark.django_db
def test_a_tenderee_sees_only_its_own_tenders(client, tenderee):
    TenderFactory(title="别人的标段")
    assert "别人的标段" not in client.get("/tenders/workspace/").content.decode()


@pytest.mark.django_db
def test_a_bidder_pressing_publish_changes_nothing(client):
    tender = TenderFactory()
    client.force_login(MembershipFactory(role=Role.BIDDER).user)
    client.post(f"/tenders/workspace/{tender.pk}/publish/")
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


@pytest.mark.django_db
def test_a_tenderee_clarifies_and_answers_an_objection_in_the_browser(client, project, tenderee):
    from trading.models import (
        DocumentDownload,
        DocumentObjection,
        Notice,
        NoticeKind,
        ObjectionState,
    )
    from trading.objections import objection_raise
    from trading.services import Acting, tender_publish

    tender = TenderFactory(project=project)
    tender_publish(acting=Acting(user=tenderee), tender_id=tender.pk)
    client.post(f"/tenders/workspace/{tender.pk}/clarify/", {"text": "答疑纪要第1号"})
    assert Notice.objects.filter(tender=tender, kind=NoticeKind.AMENDMENT).count() == 1

    document = TenderDocumentFactory(tender=tender, uploaded_by=tenderee)
    bidder = MembershipFactory(role=Role.BIDDER)
    DocumentDownload.objects.create(
        tender=tender,
        document=document,
        organisation=bidder.organisation,
        user=bidder.user,
        downloaded_at=days_from_now(0),
    )
    objection = objection_raise(
        acting=Acting(user=bidder.user), tender_id=tender.pk, text="工期要求不合理"
    )
    page = client.get(f"/tenders/workspace/{tender.pk}/").content.decode()
    assert "工期要求不合理" in page

    client.post(
        f"/tenders/workspace/{tender.pk}/answer/",
        {"objection": str(objection.pk), "text": "工期已调整"},
    )

    objection.refresh_from_db()
    tender.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED
    assert tender.state == TenderState.PUBLISHED
    assert DocumentObjection.objects.get().answer == "工期已调整"


@pytest.mark.django_db
def test_a_draft_whose_bid_security_exceeds_two_percent_shows_the_rule(client, project, tenderee):
    response = client.post(
        "/tenders/workspace/new/",
        {
            "project": str(project.pk),
            "title": "体育馆维修工程",
            "category": "works",
            "method": "open",
            "ceiling_price": "500000.00",
            "bid_security": "10400.01",
            "estimated_price": "520000.00",
            "evaluation_method": "lowest_evaluated_price",
            "documents_from": local(0.02),
            "documents_until": local(7),
            "clarification_cutoff": local(9),
            "bid_deadline": local(25),
        },
    )
    assert response.status_code == 200
    # Under the field it concerns, without the term's code in front.
    assert response.context["form"].errors["bid_security"] == [
        "bid security must not exceed 2% of the estimated price "
        "(招标投标法实施条例 第二十六条), i.e. 10,400.00 yuan; it is 10,400.01 yuan"
    ]
    assert not Tender.objects.exists()


@pytest.mark.django_db
def test_a_tenderee_chooses_the_opening_committee_by_name(
    client, project, tenderee, certificate_authority
):
    from accounts.services import certificate_bind
    from monitoring.services import PLATFORM

    members = []
    for index, name in enumerate(["赵敏", "钱坤", "孙丽"]):
        user = UserFactory(username=f"member-{index}", full_name=name)
        credential = certificate_authority.issue_person(
            name=name, person_id=f"11010119800101{index:04d}", key_type="ec-p256"
        )
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        members.append(user)
    bidder = MembershipFactory(role=Role.BIDDER).user  # a bidder never helps open bids
    form = client.get("/tenders/workspace/new/").content.decode()
    assert all(f"{user.full_name} ({user.username})" in form for user in members)
    assert bidder.username not in form

    response = client.post(
        "/tenders/workspace/new/",
        {
            "project": str(project.pk),
            "title": "体育馆维修工程",
            "category": "works",
            "method": "open",
            "ceiling_price": "500000.00",
            "bid_security": "0",
            "evaluation_method": "lowest_evaluated_price",
            "documents_from": local(0.02),
            "documents_until": local(15),
            "clarification_cutoff": local(9),
            "bid_deadline": local(25),
            "committee": [str(members[0].pk), str(members[2].pk)],
            "committee_threshold": "2",
        },
    )

    assert response.status_code == 302
    assert Tender.objects.get().opening_committee == {
        "members": [str(members[0].pk), str(members[2].pk)],
        "threshold": 2,
    }


@pytest.mark.django_db
def test_a_draft_offers_no_committee_when_nobody_holds_a_certificate(client, project, tenderee):
    form = client.get("/tenders/workspace/new/").content.decode()
    assert 'name="committee' not in form
