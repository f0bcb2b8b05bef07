"""The session's page, as the tenderee and a member use it: convening, the review form, the
progress the tenderee may see (never a score), and nothing for anyone else."""

import datetime as dt

import pytest
from django.test import Client

from accounts.acting import CERTIFICATE_SESSION_KEY
from evaluation.models import ReviewVerdict
from evaluation.session.convene import session_convene, session_elect_leader
from evaluation.session.review import review_start
from monitoring.clock import database_now
from tests.evaluation.stories import Evaluation, certificate_sha256_of, opened_tender
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def member_client(story: Evaluation, index: int) -> Client:
    """The member's browser in the evaluation room, logged in with its certificate."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="127.0.0.1")
    user = story.seats[index].user
    client.force_login(user)
    session = client.session
    session[CERTIFICATE_SESSION_KEY] = certificate_sha256_of(user)
    session.save()
    return client


def tenderee_client(story: Evaluation) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(story.tenderee.user)
    return client


def test_the_tenderee_convenes_the_panel_from_the_page():
    story = opened_tender()
    client = tenderee_client(story)
    page = client.get(f"/evaluation/{story.tender.pk}/")
    assert "Convene the panel" in page.content.decode()
    now = database_now().astimezone(dt.timezone(dt.timedelta(hours=8)))

    response = client.post(
        f"/evaluation/{story.tender.pk}/step/convene",
        {
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 302
    progress = client.get(f"/evaluation/{story.tender.pk}/").content.decode()
    assert "5 bids under evaluation, 0 rejected so far" in progress


def test_a_member_records_a_verdict_from_the_review_form():
    story = opened_tender()
    now = database_now()
    session_convene(
        acting=story.tenderee,
        tender_id=story.tender.pk,
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=6),
    )
    session_elect_leader(
        acting=story.member(0), tender_id=story.tender.pk, leader_seat_id=story.seats[0].pk
    )
    review_start(acting=story.member(0), tender_id=story.tender.pk)
    client = member_client(story, 2)
    page = client.get(f"/evaluation/{story.tender.pk}/").content.decode()
    assert "Qualification review" in page
    assert story.bids[0].bidder.name not in page  # bids by code only

    client.post(
        f"/evaluation/{story.tender.pk}/step/verdicts",
        {
            "bid_id": story.bids[0].pk,
            "criterion": "bidder_qualified",
            "passed": "false",
            "reason": "缺少安全生产许可证",
        },
    )

    verdict = ReviewVerdict.objects.get()
    assert (verdict.seat, verdict.passed, verdict.reason) == (
        story.seats[2],
        False,
        "缺少安全生产许可证",
    )


def test_a_bidder_learns_nothing_of_the_evaluation():
    story = opened_tender()
    bidder = MembershipFactory(role="bidder", organisation=story.bids[0].bidder).user
    client = Client()
    client.force_login(bidder)

    assert client.get(f"/evaluation/{story.tender.pk}/").status_code == 404
