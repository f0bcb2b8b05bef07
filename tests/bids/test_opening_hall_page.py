"""Stories of the live opening-hall page (/bids/opening/<tender>/): what the host, bidders and
outsiders see, server-rendered, before the page's script takes over the refreshing."""

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles.views import serve
from django.test import Client, RequestFactory

from accounts.models import Role, User
from bids.models import OpeningSession
from bids.opening.sweep import opening_sweep_due
from monitoring.models import Event
from tests.bids.opening import build_opening
from tests.factories import MembershipFactory, UserFactory
from trading.models import Tender

pytestmark = pytest.mark.django_db(transaction=False)


def page_of(client: Client, tender_id) -> str:
    response = client.get(f"/bids/opening/{tender_id}/")
    assert response.status_code == 200
    return response.content.decode()


def shown_controls(page: str) -> set[str]:
    """The controls rendered without `hidden` (the page's script applies the same rules)."""
    return {
        name
        for name, hidden in re.findall(r'data-control="([\w-]+)"(\s+hidden)?>', page)
        if not hidden
    }


def mentions(page: str, name: str) -> bool:
    """The name appears as text or inside the page's JSON (where it is \\u-escaped)."""
    return name in page or json.dumps(name)[1:-1] in page


def sign_in_is_open(story) -> None:
    """Ten minutes before the deadline: sign-in is open (it opens 30 minutes before)."""
    Tender.objects.filter(pk=story.tender.pk).update(
        bid_deadline=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    )
    story.refresh()


@pytest.fixture
def two_bidders(bid_settings, certificate_authority):
    return build_opening(certificate_authority, bidders=2)


def test_the_host_announces_the_ceiling_price_then_finalises_from_the_page(two_bidders):
    story = two_bidders
    story.reach_deadline()
    for bidder in story.bidders:
        assert bidder.post(story.tender_id, "sign-in").status_code == 200

    before = page_of(story.host, story.tender_id)
    assert "You host this opening." in before
    assert "Announce the ceiling price and start decryption" in before
    assert "<strong>12,000,000.00 yuan</strong>" in before  # the factory's ceiling price
    assert shown_controls(before) == {"start"}
    assert 'data-control="finalise" hidden' in before  # there, for the script to show later
    assert f'action="/api/v1/tenders/{story.tender_id}/opening/start"' in before
    # The deadline has passed: the host sees who signed in among the bidders.
    assert all(mentions(before, bidder.name) for bidder in story.bidders)
    assert before.count(">Signed in<") == 2

    assert story.host_post("start").status_code == 200
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted", "decrypted"]

    reading = page_of(story.host, story.tender_id)
    assert shown_controls(reading) == {"finalise"}
    assert f'action="/api/v1/tenders/{story.tender_id}/opening/finalise"' in reading
    assert "Price reading" in reading
    assert "12,000,000.00 yuan" in reading  # announced
    assert "10,000,000.00" in reading and "10,012,345.00" in reading  # the two prices read out
    assert reading.count(">Not confirmed<") == 2


def test_a_bidder_sees_its_own_sign_in_before_the_deadline_and_nobody_else(two_bidders):
    story = two_bidders
    first, second = story.bidders
    sign_in_is_open(story)

    waiting = page_of(first.client, story.tender_id)
    assert "You take part as a bidder." in waiting
    assert shown_controls(waiting) == {"sign-in"}
    assert f'action="/api/v1/tenders/{story.tender_id}/opening/sign-in"' in waiting
    assert not mentions(waiting, second.name)

    assert first.post(story.tender_id, "sign-in").status_code == 200
    # Before the deadline the sign-in's event names neither the bidder nor the tender's
    # session (办法 第21条): it is on the sign-in, and who signed in is sealed.
    event = Event.objects.select_related("sealed_identity").get(action="opening.signed_in")
    assert (event.object_type, event.actor_id, event.client_ip, set(event.payload)) == (
        "bids.openingsignin",
        None,
        None,
        {"sealed_identity_sha256"},
    )
    assert event.sealed_identity.tender_id == story.tender_id
    signed_in = page_of(first.client, story.tender_id)
    assert mentions(signed_in, first.name)
    assert "(your organisation)" in signed_in
    assert ">Signed in<" in signed_in
    assert shown_controls(signed_in) == set()  # signed in: nothing to do until decryption
    assert not mentions(signed_in, second.name)
    assert not mentions(page_of(second.client, story.tender_id), first.name)

    workspace = first.client.get("/bids/").content.decode()
    assert f'href="/bids/opening/{story.tender_id}/"' in workspace


def test_names_appear_and_the_window_counts_down_once_the_opening_starts(two_bidders):
    story = two_bidders
    first, second = story.bidders
    story.reach_deadline()
    assert first.post(story.tender_id, "sign-in").status_code == 200
    assert story.host_post("start").status_code == 200

    page = page_of(second.client, story.tender_id)
    assert mentions(page, first.name) and mentions(page, second.name)
    assert page.count(">Waiting for the key") == 2
    seconds_left = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))
    assert 3590 <= seconds_left <= 3600  # the factory's 60-minute decryption window
    assert "12,000,000.00 yuan" in page  # the announced ceiling price
    # Its own decryption happens on its machine: the page gives the command, not the key.
    assert shown_controls(page) == {"sign-in", "decrypt-command"}
    assert (f"bidtool decrypt --server http://testserver --tender {story.tender_id}") in page

    # A wrong key is refused at once: its own bidder and the host see it, the other bidder not.
    assert second.hand_over_key(story.tender_id, key=bytes(32)).status_code == 422
    assert "wrong keys given: 1" in page_of(second.client, story.tender_id)
    assert "wrong keys given: 1" in page_of(story.host, story.tender_id)
    assert "wrong keys given: 1" not in page_of(first.client, story.tender_id)


def test_a_failed_decryption_shows_its_reason_to_the_host_and_offers_the_ruling(two_bidders):
    story = two_bidders
    diligent, absent = story.bidders
    story.reach_deadline()
    story.host_post("start")
    assert diligent.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"]
    OpeningSession.objects.filter(tender=story.tender).update(
        decryption_ends_at=story.tender.bid_deadline
    )
    opening_sweep_due()

    host_page = page_of(story.host, story.tender_id)
    assert "No valid key was given within the decryption window." in host_page
    assert (
        f'action="/api/v1/tenders/{story.tender_id}/opening/bids/{absent.bid_id}/fault"'
        in host_page
    )
    assert "The bidder&#x27;s fault: treated as revoked" in host_page
    # Another bidder sees that the bid failed, but not why.
    other_page = page_of(diligent.client, story.tender_id)
    assert ">Decryption failed<" in other_page  # not "Failed", which reads 流标 in Chinese
    assert "No valid key was given" not in other_page
    assert shown_controls(other_page) == {"confirm", "object"}


def test_a_user_of_an_unrelated_organisation_is_refused(two_bidders):
    story = two_bidders
    story.reach_deadline()
    outsider = MembershipFactory(role=Role.BIDDER, user=UserFactory(username="outsider"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(outsider.user)

    response = client.get(f"/bids/opening/{story.tender_id}/")
    assert response.status_code == 403
    assert not any(mentions(response.content.decode(), bidder.name) for bidder in story.bidders)
    assert client.get(f"/api/v1/tenders/{story.tender_id}/opening").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(two_bidders, client):
    response = client.get(f"/bids/opening/{two_bidders.tender_id}/")
    assert response.status_code == 302
    assert response["Location"] == (f"/accounts/login/?next=/bids/opening/{two_bidders.tender_id}/")


def test_the_page_loads_its_script_and_hands_it_the_hall_and_its_words(two_bidders):
    story = two_bidders
    story.reach_deadline()
    assert story.bidders[0].post(story.tender_id, "sign-in").status_code == 200
    page = page_of(story.host, story.tender_id)
    assert '<script src="/static/js/opening-hall.js" defer></script>' in page
    state = json.loads(
        re.search(
            r'<script id="opening-hall-state" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert state["viewer"] == {"role": "host"}
    assert [row["bidder"] for row in state["bidders"]] == [b.name for b in story.bidders]
    words = json.loads(
        re.search(
            r'<script id="opening-hall-text" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert words["offline"] == "The hall cannot be reached; retrying…"

    script = serve(
        RequestFactory().get("/static/js/opening-hall.js"), "js/opening-hall.js", insecure=True
    )
    assert script.status_code == 200
    body = b"".join(script.streaming_content).decode()
    assert '"X-CSRFToken": csrfToken()' in body
    assert 'getElementById("opening-hall-state")' in body or '"opening-hall-state"' in body


def test_the_tender_page_leads_bidders_of_the_tender_into_the_hall_once_sign_in_opens(
    two_bidders,
):
    story = two_bidders
    first = story.bidders[0]
    outsider = MembershipFactory(role=Role.BIDDER, user=UserFactory(username="outsider"))
    outsider_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    outsider_client.force_login(outsider.user)
    link = f'href="/bids/opening/{story.tender_id}/"'

    too_early = first.client.get(f"/tenders/{story.tender_id}/").content.decode()
    assert link not in too_early  # 25 days before the deadline

    sign_in_is_open(story)
    mine = first.client.get(f"/tenders/{story.tender_id}/").content.decode()
    assert "Enter the opening hall" in mine and link in mine
    assert link in story.host.get(f"/tenders/{story.tender_id}/").content.decode()
    theirs = outsider_client.get(f"/tenders/{story.tender_id}/").content.decode()
    assert "Opening hall" not in theirs and link not in theirs
    assert link not in Client().get(f"/tenders/{story.tender_id}/").content.decode()


def test_the_page_polls_a_live_fragment_whose_controls_the_server_decides(two_bidders):
    story = two_bidders
    first, second = story.bidders
    story.reach_deadline()
    assert first.post(story.tender_id, "sign-in").status_code == 200
    live_url = f"/bids/opening/{story.tender_id}/live"
    assert f'data-live-url="{live_url}"' in page_of(story.host, story.tender_id)

    live = story.host.get(live_url)
    assert live.status_code == 200
    fragment = live.content.decode()
    assert "<html" not in fragment  # the parts only, for the script to put in place
    assert shown_controls(fragment) == {"start"}
    assert story.host.get(f"/api/v1/tenders/{story.tender_id}/opening").json()["controls"] == [
        "start"
    ]
    hall = first.hall(story.tender_id)
    assert (hall["controls"], second.hall(story.tender_id)["controls"]) == ([], ["sign-in"])

    assert story.host_post("start").status_code == 200
    started = story.host.get(live_url).content.decode()
    assert shown_controls(started) == set()  # no committee: no escrow recovery
    assert shown_controls(first.client.get(live_url).content.decode()) == {"decrypt-command"}

    outsider = MembershipFactory(role=Role.BIDDER, user=UserFactory(username="outsider"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(outsider.user)
    assert client.get(live_url).status_code == 403


def test_a_password_session_is_shown_the_commands_and_no_button(two_bidders, client):
    story = two_bidders
    story.reach_deadline()
    clerk = User.objects.get(memberships__organisation__uscc=story.bidders[0].uscc)
    client.force_login(clerk)  # a password login: no certificate in the session

    page = page_of(client, story.tender_id)

    assert "data-hall-form" not in page
    assert f"bidtool hall sign-in --server http://testserver --tender {story.tender_id}" in page
    assert "offers no button" in page
