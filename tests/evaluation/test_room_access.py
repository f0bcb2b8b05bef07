"""Stories of the gate of the closed evaluation area, on real parts: bids sealed and opened for
real, an expert logged in with its certificate, PostgreSQL, the S3 server."""

import datetime as dt

import pytest

from evaluation.models import EvaluationSession
from evaluation.room.access import ROOM_ALERT
from monitoring.models import Alert, Event
from tests.evaluation.room_story import (
    OUTSIDE_ADDRESS,
    PRICE,
    ROOM_ADDRESS,
    TECHNICAL,
    TECHNICAL_NAME,
    build_room,
    now,
    room_settings,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(room_settings, certificate_authority):  # noqa: F811
    return build_room(certificate_authority)


def refusal_events():
    return list(Event.objects.filter(action="evaluation.access_refused").order_by("sequence"))


def room_alerts():
    return list(Alert.objects.filter(kind=ROOM_ALERT).order_by("raised_at"))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_refused_once(room, *, code: str, severity: str, object_type: str = "evaluation.session"):
    """One refusal event and one alert whose evidence is that event, and no admission."""
    [event] = refusal_events()
    [alert] = room_alerts()
    assert event.payload["code"] == code
    assert event.object_type == object_type
    assert alert.severity == severity
    assert alert.tender_id == str(room.tender.pk)
    assert alert.evidence["event_sequence"] == event.sequence
    assert alert.evidence["event_digest"] == event.digest
    assert alert.evidence["code"] == code
    assert not Event.objects.filter(action="evaluation.viewed").exists()
    return event, alert


def test_an_expert_in_the_room_reads_a_bid_file_and_gets_the_bytes_that_were_sealed(room):
    bid = room.bids()[0]
    client = room.client()

    response = client.get(room.file_url(bid.pk, 0))
    second = client.get(room.file_url(bid.pk, 1))

    assert response.status_code == 200
    assert body(response) == TECHNICAL
    assert body(second) == PRICE
    assert response["Content-Length"] == str(len(TECHNICAL))
    assert response["Content-Disposition"] == f'attachment; filename="{TECHNICAL_NAME}"'
    assert response["Cache-Control"] == "no-store"
    viewed = list(Event.objects.filter(action="evaluation.viewed").order_by("sequence"))
    assert [
        (event.object_id, event.payload["what"], event.payload["bid"], event.payload["file"])
        for event in viewed
    ] == [
        (str(room.session.pk), "bid_file", str(bid.pk), 0),
        (str(room.session.pk), "bid_file", str(bid.pk), 1),
    ]
    # Who viewed is sealed with the event: the panel is secret until the result is published.
    assert (viewed[0].actor, viewed[0].client_ip) == (None, None)
    assert viewed[0].sealed_identity.actor == room.expert
    assert viewed[0].role == "expert"
    assert viewed[0].sealed_identity.client_ip == ROOM_ADDRESS
    assert refusal_events() == []
    assert room_alerts() == []


def test_the_same_expert_with_a_password_session_is_refused(room):
    bid = room.bids()[0]

    response = room.password_client().get(room.file_url(bid.pk, 0))

    assert response.status_code == 403
    assert "certificate login" in response.content.decode()
    assert_refused_once(room, code="certificate_session_required", severity="yellow")


def test_an_expert_outside_the_room_networks_is_refused_with_an_event_and_an_alert(room):
    bid = room.bids()[0]

    response = room.client(address=OUTSIDE_ADDRESS).get(room.file_url(bid.pk, 0))

    assert response.status_code == 403
    assert f"Your address {OUTSIDE_ADDRESS} is outside" in response.content.decode()
    event, alert = assert_refused_once(room, code="outside_room_networks", severity="red")
    assert event.client_ip == OUTSIDE_ADDRESS
    assert event.actor == room.expert
    assert event.payload["what"] == "bid_file"
    assert alert.evidence["client_ip"] == OUTSIDE_ADDRESS


def test_a_forged_forwarded_for_does_not_help_when_no_proxy_is_trusted(room):
    bid = room.bids()[0]
    # The client writes the room's address into the header itself: with no trusted proxy the
    # socket's address is the client's.
    client = room.client(address=OUTSIDE_ADDRESS, HTTP_X_FORWARDED_FOR=ROOM_ADDRESS)

    response = client.get(room.file_url(bid.pk, 0))

    assert response.status_code == 403
    event, _ = assert_refused_once(room, code="outside_room_networks", severity="red")
    assert event.client_ip == OUTSIDE_ADDRESS


def test_behind_one_trusted_proxy_the_part_the_client_wrote_is_ignored(room, settings):
    settings.PLATFORM_TRUSTED_PROXY_COUNT = 1
    bid = room.bids()[0]
    proxy = "10.30.0.2"
    # The client sends "X-Forwarded-For: <room address>"; the proxy appends the address it saw.
    forged = room.client(address=proxy, HTTP_X_FORWARDED_FOR=f"{ROOM_ADDRESS}, {OUTSIDE_ADDRESS}")
    honest = room.client(address=proxy, HTTP_X_FORWARDED_FOR=f"{OUTSIDE_ADDRESS}, {ROOM_ADDRESS}")

    refused = forged.get(room.file_url(bid.pk, 0))
    admitted = honest.get(room.file_url(bid.pk, 0))

    assert refused.status_code == 403
    assert admitted.status_code == 200
    assert body(admitted) == TECHNICAL
    [event] = refusal_events()
    assert (event.payload["code"], event.client_ip) == ("outside_room_networks", OUTSIDE_ADDRESS)
    [viewed] = Event.objects.filter(action="evaluation.viewed")
    assert viewed.sealed_identity.client_ip == ROOM_ADDRESS


@pytest.mark.parametrize(
    ("starts_in", "ends_in", "code"),
    [
        (dt.timedelta(hours=1), dt.timedelta(hours=5), "before_session_window"),
        (dt.timedelta(hours=-5), dt.timedelta(seconds=-1), "after_session_window"),
    ],
)
def test_outside_the_session_window_the_expert_is_refused(room, starts_in, ends_in, code):
    room.window(starts_at=now() + starts_in, ends_at=now() + ends_in)

    response = room.client().get(room.bids_url())

    assert response.status_code == 403
    assert_refused_once(room, code=code, severity="notice")


def test_a_reported_session_is_shut(room):
    EvaluationSession.objects.filter(pk=room.session.pk).update(state="reported", reported_at=now())

    response = room.client().get(room.bids_url())

    assert response.status_code == 403
    assert_refused_once(room, code="session_reported", severity="notice")


def test_an_expert_not_on_the_panel_is_told_there_is_no_such_evaluation(room):
    outsider, client = room.another_expert()
    bid = room.bids()[0]
    nowhere = "00000000-0000-4000-8000-000000000000"

    page = client.get(room.file_url(bid.pk, 0))
    api = client.get(room.api_file_url(bid.pk, 0))
    api_nowhere = client.get(f"/api/v1/evaluation/room/{nowhere}/bids")

    assert [page.status_code, api.status_code, api_nowhere.status_code] == [404] * 3
    assert "There is no evaluation of this tender for you." in page.content.decode()
    # The same answer as for a tender that does not exist: the panel's existence does not leak.
    assert api.json() == api_nowhere.json()
    events = refusal_events()
    assert [(event.actor, event.object_id, event.payload["code"]) for event in events] == [
        (outsider, str(room.tender.pk), "not_found"),
        (outsider, str(room.tender.pk), "not_found"),
        (outsider, nowhere, "not_found"),
    ]
    assert {event.object_type for event in events} == {"trading.tender"}
    assert [alert.severity for alert in room_alerts()] == ["yellow"] * 3


@pytest.mark.parametrize("seat_state", ["drawn", "declined", "recused"])
def test_a_seat_not_confirmed_does_not_open_the_room(room, seat_state):
    _, client = room.another_expert(seat_state=seat_state)

    response = client.get(room.bids_url())

    assert response.status_code == 404
    assert_refused_once(room, code="not_found", severity="yellow", object_type="trading.tender")


def test_the_bidder_and_the_tenderee_are_told_there_is_no_such_evaluation(room):
    bidder = room.opening.bidders[0]
    bidder.client.defaults["REMOTE_ADDR"] = ROOM_ADDRESS  # even from inside the room
    host = room.opening.host
    host.defaults["REMOTE_ADDR"] = ROOM_ADDRESS
    bid = room.bids()[0]

    by_bidder = bidder.client.get(room.file_url(bid.pk, 0))
    by_tenderee = host.get(room.bids_url())
    api_by_bidder = bidder.client.get(room.api_bids_url())

    assert [by_bidder.status_code, by_tenderee.status_code, api_by_bidder.status_code] == [404] * 3
    assert api_by_bidder.json() == {
        "error": "not_found",
        "message": "There is no evaluation of this tender for you.",
    }
    assert [event.actor for event in refusal_events()] == [
        bid.submitted_by,
        room.opening.host_user,
        bid.submitted_by,
    ]


def test_an_anonymous_visitor_is_sent_to_log_in_and_writes_nothing(room, client):
    bid = room.bids()[0]
    before = Event.objects.count()

    page = client.get(room.file_url(bid.pk, 0))
    api = client.get(room.api_file_url(bid.pk, 0))

    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    assert api.status_code == 403
    assert Event.objects.count() == before
    assert room_alerts() == []


def test_the_room_networks_match_ipv6_and_ipv4_mapped_addresses(settings):
    from evaluation.room.access import in_room_networks

    settings.EVALUATION_ROOM_NETWORKS = ["10.20.0.0/16", "fd00:20::/32"]

    assert [
        in_room_networks(address)
        for address in (
            "10.20.255.1",
            "::ffff:10.20.0.5",
            "fd00:20::7",
            "10.21.0.1",
            "fd00:21::7",
            "not an address",
            None,
        )
    ] == [True, True, True, False, False, False, False]
