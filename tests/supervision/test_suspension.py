"""A supervisor suspends a tender and resumes it to the state it left, for a reason; in a state
that forbids it the action is refused with the states named (招标投标法实施条例 第六十二条)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts.acting import Acting
from accounts.models import Role
from config.errors import Refusal
from monitoring.models import Event
from monitoring.transitions import TransitionRefused
from supervision.suspension.services import suspension_lift, suspension_order
from tests.config.test_openapi import assert_matches
from tests.factories import MembershipFactory, UserFactory
from tests.supervision.complaint_stories import (
    events_of,
    objection_to_documents,
    published_tender,
)
from trading.models import Tender, TenderState


def in_state(story, state):
    """The tender moved on to `state` by the earlier stages (set directly: their stories are
    told in trading and bids)."""
    Tender.objects.filter(pk=story.tender.pk).update(state=state)


@pytest.fixture
def story():
    return published_tender()


@pytest.mark.django_db
@pytest.mark.parametrize("left", [TenderState.PUBLISHED, TenderState.EVALUATING])
def test_a_suspended_tender_resumes_to_the_state_it_left(story, left):
    in_state(story, left)
    suspended = suspension_order(
        acting=story.supervisor, tender_id=story.tender.pk, reason="投诉处理期间暂停"
    )
    resumed = suspension_lift(
        acting=story.supervisor, tender_id=story.tender.pk, reason="投诉已处理完毕"
    )

    assert (suspended.state, suspended.state_before_suspension) == (TenderState.SUSPENDED, left)
    assert (resumed.state, resumed.state_before_suspension, resumed.suspension_cause) == (
        left,
        "",
        "",
    )
    moves = events_of(story.tender.pk)[-2:]
    assert moves == [
        ("tender.suspended", "supervisor", left, "suspended"),
        ("tender.resumed", "supervisor", "suspended", left),
    ]
    # One event each, by the supervisor, with the reason: not two.
    suspended_events = Event.objects.filter(
        object_id=str(story.tender.pk), action="tender.suspended"
    )
    assert [(event.actor, event.client_ip, event.payload) for event in suspended_events] == [
        (story.supervisor.user, "10.0.0.9", {"reason": "投诉处理期间暂停"})
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [TenderState.ARCHIVED, TenderState.CONTRACTED, TenderState.DRAFT])
def test_a_tender_outside_publication_to_award_is_not_suspended(story, state):
    in_state(story, state)
    with pytest.raises(TransitionRefused) as refused:
        suspension_order(acting=story.supervisor, tender_id=story.tender.pk, reason="核查")

    label = {"archived": "Archived", "contracted": "Contracted", "draft": "Draft"}[state]
    assert refused.value.message == (
        f"tender {story.tender.pk} is {label}: a tender is suspended between its publication "
        "and its award (Published, Bidding closed, Opening, Opened, Evaluating, Candidates "
        "publicized, Awarded)"
    )
    assert refused.value.status == 409
    assert Tender.objects.get(pk=story.tender.pk).state == state
    assert not Event.objects.filter(action="tender.suspended").exists()


@pytest.mark.django_db
def test_a_tender_that_is_not_suspended_is_not_resumed(story):
    with pytest.raises(TransitionRefused, match="is Published, not suspended: there is nothing"):
        suspension_lift(acting=story.supervisor, tender_id=story.tender.pk, reason="恢复")
    assert not Event.objects.filter(action="tender.resumed").exists()


@pytest.mark.django_db
def test_a_tender_suspended_until_its_objections_are_answered_is_not_resumed_by_a_supervisor(
    story,
):
    objection_to_documents(story)  # 条例 第二十二条: suspended until the tenderee answers
    with pytest.raises(TransitionRefused, match="until the tenderee answers the objections"):
        suspension_lift(acting=story.supervisor, tender_id=story.tender.pk, reason="恢复")
    with pytest.raises(TransitionRefused, match="is already suspended \\(until the tenderee"):
        suspension_order(acting=story.supervisor, tender_id=story.tender.pk, reason="核查")

    tender = Tender.objects.get(pk=story.tender.pk)
    assert (tender.state, tender.suspension_cause) == (TenderState.SUSPENDED, "objection")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tenderee", "bidder", "operator"])
def test_only_a_supervisor_suspends_or_resumes(story, who):
    user = {
        "tenderee": lambda: story.tenderee.user,
        "bidder": lambda: story.bidder.user,
        "operator": lambda: UserFactory(is_staff=True, is_superuser=True),
    }[who]()
    for action in (suspension_order, suspension_lift):
        with pytest.raises(PermissionDenied, match="only a supervisor suspends or resumes"):
            action(acting=Acting(user=user), tender_id=story.tender.pk, reason="暂停")
    assert Tender.objects.get(pk=story.tender.pk).state == TenderState.PUBLISHED
    assert not Event.objects.filter(action__in=["tender.suspended", "tender.resumed"]).exists()


@pytest.mark.django_db
def test_a_suspension_without_a_reason_is_refused(story):
    with pytest.raises(Refusal, match="say why") as refused:
        suspension_order(acting=story.supervisor, tender_id=story.tender.pk, reason="   ")
    assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    assert Tender.objects.get(pk=story.tender.pk).state == TenderState.PUBLISHED


def logged_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_api_suspends_for_a_supervisor_and_refuses_others(story):
    path = f"/api/v1/supervision/tenders/{story.tender.pk}"
    refused = logged_in(story.tenderee.user).post(
        f"{path}/suspend", {"reason": "暂停"}, content_type="application/json"
    )
    supervisor = logged_in(story.supervisor.user)
    suspended = supervisor.post(
        f"{path}/suspend", {"reason": "投诉处理期间暂停"}, content_type="application/json"
    )
    again = supervisor.post(f"{path}/suspend", {"reason": "再次"}, content_type="application/json")
    resumed = supervisor.post(f"{path}/resume", {"reason": "恢复"}, content_type="application/json")

    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    assert suspended.status_code == 200, suspended.json()
    assert_matches("/api/v1/supervision/tenders/{tender_id}/suspend", "post", 200, suspended.json())
    assert_matches("/api/v1/supervision/tenders/{tender_id}/suspend", "post", 409, again.json())
    assert suspended.json() == {
        "id": str(story.tender.pk),
        "state": "suspended",
        "state_before_suspension": "published",
        "suspension_cause": "supervisor",
    }
    assert (again.status_code, again.json()["error"]) == (409, "conflict")
    assert "is already suspended (by a supervisor)" in again.json()["message"]
    assert resumed.json()["state"] == "published"


@pytest.mark.django_db
def test_the_page_offers_the_action_the_state_allows_and_takes_it(story):
    supervisor = logged_in(story.supervisor.user)
    page = f"/supervision/tenders/{story.tender.pk}/suspension/"

    offered = supervisor.get(page)
    taken = supervisor.post(page, {"action": "suspend", "reason": "投诉处理期间暂停"}, follow=True)
    bidder_page = logged_in(MembershipFactory(role=Role.BIDDER).user).get(page)

    assert b"Suspend the tender" in offered.content
    assert b"Resume the tender" in taken.content
    assert Tender.objects.get(pk=story.tender.pk).state == TenderState.SUSPENDED
    assert bidder_page.status_code == 403
