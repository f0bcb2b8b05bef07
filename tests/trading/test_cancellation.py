"""Terminating a tender (终止): why, confirmed, only before the award, told to the public only
where the tender was public; a draft cancelled unpublished is never public."""

import pytest

from accounts.models import Role
from monitoring.models import Event
from monitoring.transitions import TransitionRefused
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TenderDocumentFactory,
    TenderFactory,
    days_from_now,
)
from trading.models import (
    BidderNotification,
    DocumentDownload,
    Notice,
    NoticeKind,
    Tender,
    TenderState,
)
from trading.services import Acting, TenderInvalid, tender_cancel, tender_publish


def tenderee_of(tender) -> Acting:
    membership = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee)
    return Acting(user=membership.user)


def in_state(state: str, before_suspension: str = "") -> Tender:
    """A published tender moved straight to `state` (the lifecycle up to it is tested elsewhere)."""
    tender = TenderFactory(title="终止测试标段")
    Tender.objects.filter(pk=tender.pk).update(
        state=state, published_at=days_from_now(0), state_before_suspension=before_suspension
    )
    return Tender.objects.get(pk=tender.pk)


@pytest.mark.django_db
def test_a_draft_cancelled_unpublished_is_never_public(client):
    draft = TenderFactory(title="从未发布的草稿标段", ceiling_price_fen=987_654_321_00)
    tender_cancel(acting=tenderee_of(draft), tender_id=draft.pk, reason="草稿作废")
    assert Tender.objects.get(pk=draft.pk).state == TenderState.CANCELLED

    listed = client.get("/tenders/").content.decode()
    searched = client.get("/tenders/", {"q": "从未发布", "state": "cancelled"}).content.decode()
    api_listed = client.get("/api/v1/tenders", {"q": "从未发布"}).json()
    assert "从未发布的草稿标段" not in listed
    assert "987,654,321.00" not in listed
    assert "从未发布的草稿标段" not in searched
    assert api_listed == []
    assert client.get(f"/tenders/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/tenders/{draft.pk}").status_code == 404
    assert client.get(f"/api/v1/tenders/{draft.pk}/documents").status_code == 404
    assert "终止" not in client.get(f"/notices/tender/{draft.pk}/").content.decode()
    assert client.get("/api/v1/ocds/releases").json()["releases"] == []
    assert Notice.objects.count() == 0


@pytest.mark.django_db
def test_a_draft_cancelled_and_archived_is_still_not_public(client):
    draft = TenderFactory(title="作废后归档的草稿")
    tender_cancel(acting=tenderee_of(draft), tender_id=draft.pk, reason="草稿作废")
    Tender.objects.filter(pk=draft.pk).update(state=TenderState.ARCHIVED)

    assert "作废后归档的草稿" not in client.get("/tenders/").content.decode()
    assert client.get(f"/tenders/{draft.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_published_tender_cancelled_stays_public_with_its_termination_notice(client):
    tender = TenderFactory(title="已发布后终止的标段")
    acting = tenderee_of(tender)
    tender_publish(acting=acting, tender_id=tender.pk)
    document = TenderDocumentFactory(tender=tender, uploaded_by=acting.user)
    bidder = OrganisationFactory()
    DocumentDownload.objects.create(
        tender=tender,
        document=document,
        organisation=bidder,
        user=MembershipFactory(role=Role.BIDDER, organisation=bidder).user,
        downloaded_at=days_from_now(0),
    )

    tender_cancel(acting=acting, tender_id=tender.pk, reason="  项目资金未落实  ")

    notice = Notice.objects.get(tender=tender, kind=NoticeKind.TERMINATION)
    assert notice.body == {"reason": "项目资金未落实"}
    assert notice.release["tag"] == ["tenderCancellation"]
    assert notice.release["tender"]["status"] == "cancelled"
    assert list(
        BidderNotification.objects.filter(notice=notice).values_list("organisation_id", flat=True)
    ) == [bidder.pk]
    event = Event.objects.get(action="tender.cancelled")
    assert (event.from_state, event.to_state) == ("published", "cancelled")
    assert event.payload == {"reason": "项目资金未落实"}
    assert client.get(f"/tenders/{tender.pk}/").status_code == 200
    assert "已发布后终止的标段" in client.get("/tenders/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_is_refused_and_changes_nothing(reason):
    tender = in_state(TenderState.PUBLISHED)

    with pytest.raises(TenderInvalid) as refused:
        tender_cancel(acting=tenderee_of(tender), tender_id=tender.pk, reason=reason)

    assert refused.value.problems == {"reason": "say why the tender is terminated"}
    assert Tender.objects.get(pk=tender.pk).state == TenderState.PUBLISHED
    assert not Event.objects.filter(action="tender.cancelled").exists()
    assert not Notice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "before_suspension", "allowed"),
    [
        (TenderState.PUBLISHED, "", True),
        (TenderState.BIDDING_CLOSED, "", True),
        (TenderState.OPENING, "", True),
        (TenderState.OPENED, "", True),
        (TenderState.EVALUATING, "", True),
        (TenderState.PUBLICIZING, "", True),
        (TenderState.SUSPENDED, TenderState.PUBLISHED, True),
        (TenderState.SUSPENDED, TenderState.PUBLICIZING, True),
        (TenderState.AWARDED, "", False),
        (TenderState.SUSPENDED, TenderState.AWARDED, False),
        (TenderState.CONTRACTED, "", False),
        (TenderState.FAILED, "", False),
        (TenderState.ARCHIVED, "", False),
        (TenderState.CANCELLED, "", False),
    ],
)
def test_a_tender_can_be_cancelled_only_until_the_winner_is_chosen(
    state, before_suspension, allowed
):
    tender = in_state(state, before_suspension)
    acting = tenderee_of(tender)

    if allowed:
        cancelled = tender_cancel(acting=acting, tender_id=tender.pk, reason="招标人终止招标")
        assert cancelled.state == TenderState.CANCELLED
        assert Notice.objects.get(tender=tender).kind == NoticeKind.TERMINATION
    else:
        with pytest.raises(TransitionRefused, match=f"is {state}: it cannot cancel"):
            tender_cancel(acting=acting, tender_id=tender.pk, reason="招标人终止招标")
        assert Tender.objects.get(pk=tender.pk).state == state
        assert not Notice.objects.exists()


@pytest.mark.django_db
def test_the_workspace_offers_cancelling_only_where_it_is_allowed(client):
    published = in_state(TenderState.PUBLISHED)
    awarded = TenderFactory(project=published.project, title="已定标的标段")
    Tender.objects.filter(pk=awarded.pk).update(
        state=TenderState.AWARDED, published_at=days_from_now(-30)
    )
    client.force_login(tenderee_of(published).user)

    page = client.get(f"/tenders/workspace/{published.pk}/").content.decode()
    closed = client.get(f"/tenders/workspace/{awarded.pk}/").content.decode()

    assert f"/tenders/workspace/{published.pk}/cancel/" in page
    assert f"/tenders/workspace/{awarded.pk}/cancel/" not in closed
    assert 'name="reason"' in page and 'name="confirm"' in page


@pytest.mark.django_db
def test_the_workspace_cancels_only_with_a_reason_and_a_confirmation(client):
    tender = in_state(TenderState.PUBLISHED)
    client.force_login(tenderee_of(tender).user)
    url = f"/tenders/workspace/{tender.pk}/cancel/"

    unconfirmed = client.post(url, {"reason": "项目资金未落实"}, follow=True)
    unexplained = client.post(url, {"reason": " ", "confirm": "on"}, follow=True)

    # Each problem named by its field's label, never by the field's code.
    assert "tick the box to confirm the termination" in unconfirmed.content.decode()
    assert "confirm:" not in unconfirmed.content.decode()
    assert "Reason: This field is required." in unexplained.content.decode()
    assert Tender.objects.get(pk=tender.pk).state == TenderState.PUBLISHED

    client.post(url, {"reason": "项目资金未落实", "confirm": "on"})

    assert Tender.objects.get(pk=tender.pk).state == TenderState.CANCELLED
    assert Notice.objects.get(tender=tender).body == {"reason": "项目资金未落实"}


@pytest.mark.django_db
def test_the_api_refuses_a_cancellation_without_a_reason(client):
    tender = in_state(TenderState.PUBLISHED)
    client.force_login(tenderee_of(tender).user)

    response = client.post(
        f"/api/v1/tenders/{tender.pk}/cancel", {}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert Tender.objects.get(pk=tender.pk).state == TenderState.PUBLISHED
