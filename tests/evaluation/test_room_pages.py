"""The expert's pages of the closed area: its sessions, a session's bids, a file link; and the
room's networks refused at start-up when misconfigured."""

import datetime as dt

import pytest

from evaluation.models import EvaluationSession
from monitoring.models import Alert, Event
from tests.config.test_startup import manage
from tests.evaluation.room_story import (
    OUTSIDE_ADDRESS,
    build_room,
    now,
    room_settings,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(room_settings, certificate_authority):  # noqa: F811
    return build_room(certificate_authority)


def test_the_expert_sees_its_open_session_and_follows_it_to_the_bids_and_a_file(room):
    client = room.client()

    lobby = client.get("/evaluation/room/")
    bids = client.get(room.bids_url())

    assert lobby.status_code == 200
    assert room.tender.title in lobby.content.decode()
    assert room.bids_url() in lobby.content.decode()
    page = bids.content.decode()
    assert bids.status_code == 200
    for bid, bidder in zip(room.bids(), room.opening.bidders, strict=True):
        assert bidder.name in page
        assert room.file_url(bid.pk, 0) in page
        assert room.file_url(bid.pk, 1) in page
    assert [
        event.payload["what"]
        for event in Event.objects.filter(
            action__in=["evaluation.lobby_viewed", "evaluation.viewed"]
        ).order_by("sequence")
    ] == ["lobby", "bid_list"]


def test_a_session_not_yet_open_is_listed_without_its_tender(room):
    EvaluationSession.objects.filter(pk=room.session.pk).update(
        starts_at=now() + dt.timedelta(days=1), ends_at=now() + dt.timedelta(days=1, hours=4)
    )

    lobby = room.client().get("/evaluation/room/")

    assert lobby.status_code == 200
    assert room.tender.title not in lobby.content.decode()
    assert "Named when the session opens" in lobby.content.decode()


def test_the_list_of_sessions_is_closed_outside_the_room(room):
    response = room.client(address=OUTSIDE_ADDRESS).get("/api/v1/evaluation/room/sessions")

    assert response.status_code == 403
    assert response.json()["error"] == "outside_room_networks"
    [event] = Event.objects.filter(action="evaluation.access_refused")
    assert (event.object_type, event.object_id) == ("accounts.user", str(room.expert.pk))
    assert Alert.objects.get(kind="evaluation_room_access_refused").severity == "red"


def test_a_person_without_a_seat_has_no_sessions(room):
    bidder = room.opening.bidders[0]

    response = bidder.client.get("/api/v1/evaluation/room/sessions")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_misconfigured_room_network_stops_start_up_naming_the_setting():
    result = manage("check", EVALUATION_ROOM_NETWORKS="10.20.0.0/16, 10.30.0.1/24")

    assert result.returncode != 0
    assert "EVALUATION_ROOM_NETWORKS: '10.30.0.1/24' is not a network in CIDR notation" in (
        result.stderr
    )


def test_production_refuses_a_room_network_that_admits_everyone():
    from tests.config.test_startup import PRODUCTION

    result = manage("check", **{**PRODUCTION, "EVALUATION_ROOM_NETWORKS": "0.0.0.0/0"})

    assert result.returncode != 0
    assert "EVALUATION_ROOM_NETWORKS: '0.0.0.0/0' admits every address" in result.stderr


def test_the_list_of_sessions_matches_the_api_document(room):
    from tests.config.test_openapi import assert_matches

    response = room.client().get("/api/v1/evaluation/room/sessions")

    assert response.status_code == 200
    assert [session["tender_id"] for session in response.json()] == [str(room.tender.pk)]
    assert response.json()[0]["open_now"] is True
    assert_matches("/api/v1/evaluation/room/sessions", "get", 200, response.json())
