"""Objections to the tender documents: until 10 days before the deadline, the procedure
suspended until the tenderee answers (招标投标法实施条例 第二十二条)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Role
from monitoring.models import Event
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TenderDocumentFactory,
    TenderFactory,
    days_from_now,
    on_day_from_today,
)
from tests.trading.periods import end_of_third_day_after
from trading.models import DocumentDownload, ObjectionState, Tender, TenderState
from trading.objections import objection_answer, objection_raise
from trading.services import Acting, TenderInvalid, tender_publish, tender_suspend


@pytest.fixture
def tender():
    tender = TenderFactory()
    tender.acting = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    )
    tender_publish(acting=tender.acting, tender_id=tender.pk)
    tender.document = TenderDocumentFactory(tender=tender, uploaded_by=tender.acting.user)
    return tender


def bidder_who_obtained(tender) -> Acting:
    organisation = OrganisationFactory()
    user = MembershipFactory(role=Role.BIDDER, organisation=organisation).user
    DocumentDownload.objects.create(
        tender=tender,
        document=tender.document,
        organisation=organisation,
        user=user,
        downloaded_at=days_from_now(0),
    )
    return Acting(user=user)


def deadline_in(tender, days: int) -> None:
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=on_day_from_today(days))


@pytest.mark.django_db
def test_an_objection_suspends_the_tender_until_it_is_answered(tender):
    objection = objection_raise(
        acting=bidder_who_obtained(tender), tender_id=tender.pk, text="资格条件排斥潜在投标人"
    )
    tender.refresh_from_db()
    assert tender.state == TenderState.SUSPENDED
    # 条例 第二十二条: answered within 3 days.
    assert objection.answer_due == end_of_third_day_after(objection.raised_at)

    answered = objection_answer(
        acting=tender.acting, objection_id=objection.pk, answer="已删除该资格条件，见澄清第1号"
    )

    tender.refresh_from_db()
    assert answered.state == ObjectionState.ANSWERED
    assert tender.state == TenderState.PUBLISHED
    moves = Event.objects.filter(object_id=str(tender.pk)).values_list("action", "role")
    assert list(moves)[-2:] == [("tender.suspended", "platform"), ("tender.resumed", "platform")]


@pytest.mark.django_db
@pytest.mark.parametrize(("days_before", "allowed"), [(11, True), (10, True), (9, False)])
def test_objections_close_10_days_before_the_deadline(tender, days_before, allowed):
    deadline_in(tender, days_before)
    acting = bidder_who_obtained(tender)
    if allowed:
        assert objection_raise(acting=acting, tender_id=tender.pk, text="异议").pk
    else:
        with pytest.raises(TenderInvalid, match="until 10 days before the deadline"):
            objection_raise(acting=acting, tender_id=tender.pk, text="异议")


@pytest.mark.django_db
def test_a_bidder_that_did_not_obtain_the_documents_cannot_object(tender):
    stranger = MembershipFactory(role=Role.BIDDER).user
    with pytest.raises(PermissionDenied, match="obtained the documents"):
        objection_raise(acting=Acting(user=stranger), tender_id=tender.pk, text="异议")


@pytest.mark.django_db
def test_the_tender_resumes_only_when_every_objection_is_answered(tender):
    first = objection_raise(acting=bidder_who_obtained(tender), tender_id=tender.pk, text="一")
    second = objection_raise(acting=bidder_who_obtained(tender), tender_id=tender.pk, text="二")
    objection_answer(acting=tender.acting, objection_id=first.pk, answer="答复一")
    tender.refresh_from_db()
    assert tender.state == TenderState.SUSPENDED
    objection_answer(acting=tender.acting, objection_id=second.pk, answer="答复二")
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED


@pytest.mark.django_db
def test_answering_never_lifts_a_supervisors_suspension(tender):
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    tender_suspend(acting=Acting(user=supervisor), tender_id=tender.pk, reason="投诉处理")
    objection = objection_raise(
        acting=bidder_who_obtained(tender), tender_id=tender.pk, text="异议"
    )
    objection_answer(acting=tender.acting, objection_id=objection.pk, answer="答复")
    tender.refresh_from_db()
    assert tender.state == TenderState.SUSPENDED
    assert tender.suspension_cause == "supervisor"


@pytest.mark.django_db
def test_a_bidder_objects_through_the_api_and_the_tenderee_answers(client, tender):
    acting = bidder_who_obtained(tender)
    client.force_login(acting.user)
    raised = client.post(
        f"/api/v1/tenders/{tender.pk}/objections",
        {"text": "评分标准不明确"},
        content_type="application/json",
    )
    assert raised.status_code == 201, raised.json()
    client.force_login(tender.acting.user)
    answered = client.post(
        f"/api/v1/objections/{raised.json()['id']}/answer",
        {"text": "已澄清"},
        content_type="application/json",
    )
    assert answered.status_code == 200
    assert answered.json()["state"] == "answered"
    again = client.post(
        f"/api/v1/objections/{raised.json()['id']}/answer",
        {"text": "再答"},
        content_type="application/json",
    )
    assert again.status_code == 409


def workspace_objections(client, tender) -> str:
    client.force_login(tender.acting.user)
    response = client.get(reverse("trading:workspace-tender", kwargs={"tender_id": tender.pk}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_tenderee_answers_an_objection_without_learning_who_raised_it(client, tender):
    acting = bidder_who_obtained(tender)
    organisation = acting.user.memberships.get().organisation
    objection = objection_raise(acting=acting, tender_id=tender.pk, text="评分标准第3项不明确")

    page = workspace_objections(client, tender)
    answered = client.post(
        f"/api/v1/objections/{objection.pk}/answer",
        {"text": "已澄清"},
        content_type="application/json",
    )

    # The text reaches the tenderee; the author stays secret until the deadline (办法 第21条).
    assert "评分标准第3项不明确" in page
    assert organisation.name not in page and organisation.uscc not in page
    assert answered.status_code == 200
    assert answered.json()["organisation"] is None
    assert organisation.name not in answered.content.decode()
    # The objector itself is told its own name back.
    client.force_login(acting.user)
    again = client.post(
        f"/api/v1/tenders/{tender.pk}/objections",
        {"text": "第二项"},
        content_type="application/json",
    )
    assert again.json()["organisation"] == organisation.name


@pytest.mark.django_db
def test_from_the_deadline_the_tenderee_sees_who_objected(client, tender):
    acting = bidder_who_obtained(tender)
    organisation = acting.user.memberships.get().organisation
    objection_raise(acting=acting, tender_id=tender.pk, text="异议")
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=days_from_now(-0.01))

    assert organisation.name in workspace_objections(client, tender)


@pytest.mark.django_db
def test_the_objection_event_names_neither_the_objector_nor_the_tender(tender):
    acting = bidder_who_obtained(tender)
    objection = objection_raise(acting=acting, tender_id=tender.pk, text="异议")

    event = Event.objects.select_related("sealed_identity").get(action="objection.raised")
    assert (event.object_id, event.actor_id, event.client_ip, event.actor_label) == (
        str(objection.pk),
        None,
        None,
        "sealed",
    )
    assert set(event.payload) == {"answer_due", "sealed_identity_sha256"}
    assert (
        event.sealed_identity.actor_id,
        event.sealed_identity.tender_id,
        event.sealed_identity.fields,
    ) == (
        acting.user.pk,
        str(tender.pk),
        {"organisation": acting.user.memberships.get().organisation.uscc},
    )
