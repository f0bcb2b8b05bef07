"""Every bad input of the remote opening hall (issue #6), one short story each: the request is
refused with its status, a code and a message naming what is wrong, an `opening.refused` event
is written, and nothing else changes. Times are moved by updating rows, never by sleeping."""

import base64
import datetime as dt

import pytest
from django.test import Client

from accounts.models import Organisation, Role, User
from accounts.services import certificate_bind
from bids.models import (
    BidDecryption,
    EscrowShareSubmission,
    OpeningConfirmation,
    OpeningSession,
    OpeningSignIn,
)
from bids.opening.sweep import opening_sweep_due
from config.times import shanghai_time
from monitoring.models import Event
from monitoring.services import PLATFORM
from tests.bids.conftest import certificate_login
from tests.bids.opening import build_opening
from tests.factories import MembershipFactory
from trading.models import Notice, Tender, TenderState

pytestmark = pytest.mark.django_db(transaction=False)

A_KEY = base64.b64encode(bytes(32)).decode("ascii")


def refused(response, status: int, code: str, *named: str) -> dict:
    """The response is a refusal with `code` whose message names each of `named`."""
    body = response.json()
    assert response.status_code == status, body
    assert body["error"] == code
    for text in named:
        assert text in body["message"], (text, body["message"])
    return body


def refusal_event(code: str, *, tender_id: str, actor: User | None) -> Event:
    """The one `opening.refused` event of `code`, on the tender, by `actor`."""
    event = Event.objects.get(action="opening.refused", payload__code=code)
    assert event.object_type == "trading.tender"
    assert event.object_id == tender_id
    assert event.actor == actor
    return event


def sealed_refusal_event(code: str, *, tender_id: str, actor: User) -> Event:
    """A bidder's refusal before the deadline says neither who nor which tender (办法 第21条):
    both, and the message naming the tender, are in its sealed identity."""
    event = Event.objects.select_related("sealed_identity").get(
        action="opening.refused", payload__code=code
    )
    assert (event.object_type, event.object_id, event.actor, event.client_ip) == (
        "trading.tender",
        "",
        None,
        None,
    )
    assert (event.sealed_identity.actor, event.sealed_identity.tender_id) == (actor, tender_id)
    assert tender_id in event.sealed_identity.fields["message"]
    return event


def user_of(bidder) -> User:
    return User.objects.get(username=f"bidder-{bidder.uscc}")


def untouched(bid_id: str) -> dict:
    """What a refused key or share must not change in a bid's decryption."""
    decryption = BidDecryption.objects.get(bid_id=bid_id)
    return {
        "state": decryption.state,
        "key_source": decryption.key_source,
        "wrapped_data_key": bytes(decryption.wrapped_data_key),
        "key_received_at": decryption.key_received_at,
        "wrong_key_attempts": decryption.wrong_key_attempts,
        "escrow_requested_at": decryption.escrow_requested_at,
    }


WAITING = {
    "state": "waiting",
    "key_source": "",
    "wrapped_data_key": b"",
    "key_received_at": None,
    "wrong_key_attempts": 0,
    "escrow_requested_at": None,
}


def close_window(story) -> None:
    OpeningSession.objects.filter(tender=story.tender).update(
        decryption_ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )


# ---- keys ----------------------------------------------------------------------------------


def test_a_key_before_the_decryption_window_opens_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    bidder = story.bidders[0]

    response = bidder.hand_over_key(story.tender_id)

    refused(response, 409, "window_not_open", "has not opened yet")
    refusal_event("window_not_open", tender_id=story.tender_id, actor=user_of(bidder))
    assert not BidDecryption.objects.filter(bid_id=bidder.bid_id).exists()
    assert story.refresh().state == TenderState.OPENING


def test_a_key_after_the_decryption_window_closes_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    close_window(story)
    bidder = story.bidders[0]

    response = bidder.hand_over_key(story.tender_id)

    ends_at = OpeningSession.objects.get(tender=story.tender).decryption_ends_at
    refused(response, 409, "window_closed", "closed at", shanghai_time(ends_at, seconds=True))
    refusal_event("window_closed", tender_id=story.tender_id, actor=user_of(bidder))
    assert untouched(bidder.bid_id) == WAITING


def test_a_key_for_another_bidders_bid_is_refused_even_when_it_is_the_right_key(
    bid_settings,
    certificate_authority,
):
    story = build_opening(certificate_authority, bidders=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    intruder, owner = story.bidders
    key = base64.b64encode(owner.unwrapped_key(story.tender_id)).decode("ascii")

    response = intruder.post(story.tender_id, "data-key", {"data_key": key, "bid": owner.bid_id})

    refused(response, 403, "not_your_bid", owner.bid_id, intruder.name, "your own bid")
    refusal_event("not_your_bid", tender_id=story.tender_id, actor=user_of(intruder))
    assert untouched(owner.bid_id) == WAITING
    assert untouched(intruder.bid_id) == WAITING


def test_a_key_of_the_wrong_length_is_refused_as_malformed(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    bidder = story.bidders[0]

    response = bidder.hand_over_key(story.tender_id, key=bytes(16))

    assert refused(response, 400, "key_malformed", "32 bytes")["field"] == "data_key"
    refusal_event("key_malformed", tender_id=story.tender_id, actor=user_of(bidder))
    assert untouched(bidder.bid_id) == WAITING


def hand_over_text(certificate_authority, text):
    """A bidder in an open decryption window sends `text` where its base64 key belongs."""
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    bidder = story.bidders[0]
    return story, bidder, bidder.post(story.tender_id, "data-key", {"data_key": text})


def test_a_key_that_is_not_base64_is_refused_as_malformed(bid_settings, certificate_authority):
    story, bidder, response = hand_over_text(certificate_authority, "not a key!")

    assert refused(response, 400, "key_malformed", "base64")["field"] == "data_key"
    assert untouched(bidder.bid_id) == WAITING
    assert OpeningSession.objects.get(tender=story.tender).state == "decrypting"


# The view decodes base64 before calling the service, outside `refusals_logged`.
def test_a_key_that_is_not_base64_is_on_record(bid_settings, certificate_authority):
    story, bidder, response = hand_over_text(certificate_authority, "not a key!")

    assert response.status_code == 400
    refusal_event("key_malformed", tender_id=story.tender_id, actor=user_of(bidder))


def test_a_key_sent_as_a_number_or_in_a_list_is_refused_naming_what_is_wrong(
    bid_settings, certificate_authority
):
    story, bidder, as_number = hand_over_text(certificate_authority, 12345)
    in_a_list = bidder.client.post(
        f"/api/v1/tenders/{story.tender_id}/opening/data-key",
        [A_KEY],
        content_type="application/json",
    )

    assert refused(as_number, 400, "field_invalid", "data_key")["field"] == "data_key"
    refused(in_a_list, 400, "body_invalid", "JSON object")
    assert untouched(bidder.bid_id) == WAITING


def test_a_key_for_a_tender_not_in_its_opening_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    bidder = story.bidders[0]

    response = bidder.post(story.tender_id, "data-key", {"data_key": A_KEY})

    refused(response, 409, "tender_not_opening", story.tender_id, "not in session")
    sealed_refusal_event("tender_not_opening", tender_id=story.tender_id, actor=user_of(bidder))
    assert story.refresh().state == TenderState.PUBLISHED
    assert not OpeningSession.objects.filter(tender=story.tender).exists()


# ---- escrow shares -------------------------------------------------------------------------


def test_a_share_from_someone_not_on_the_committee_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1, committee=2, threshold=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    outsider = story.bidders[0]
    sealed = story.members[0].sealed_shares(story.tender_id)

    response = outsider.client.post(
        f"/api/v1/tenders/{story.tender_id}/opening/escrow-share",
        sealed,
        content_type="application/json",
    )

    refused(
        response,
        403,
        "not_on_committee",
        user_of(outsider).get_username(),
        "not a member of the opening committee",
    )
    refusal_event("not_on_committee", tender_id=story.tender_id, actor=user_of(outsider))
    assert not EscrowShareSubmission.objects.exists()


def test_a_duplicate_share_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1, committee=2, threshold=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    member = story.members[0]
    assert member.submit_share(story.tender_id).status_code == 201
    first = EscrowShareSubmission.objects.get()

    response = member.submit_share(story.tender_id)

    number = first.member_number
    refused(response, 409, "duplicate_share", f"Member {number}", "already submitted")
    refusal_event("duplicate_share", tender_id=story.tender_id, actor=member.user)
    assert list(EscrowShareSubmission.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_recovery_with_too_few_shares_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1, committee=3, threshold=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    lost = story.bidders[0]
    assert (
        story.host_post(
            f"bids/{lost.bid_id}/escrow-request", {"reason": "投标人CA锁遗失"}
        ).status_code
        == 200
    )
    assert story.members[0].submit_share(story.tender_id).status_code == 201
    before = untouched(lost.bid_id)

    response = story.host_post("escrow-recovery")

    refused(response, 409, "escrow_shares_insufficient", "1 of the 2")
    refusal_event("escrow_shares_insufficient", tender_id=story.tender_id, actor=story.host_user)
    assert untouched(lost.bid_id) == before
    assert before["state"] == "waiting"
    assert EscrowShareSubmission.objects.count() == 1
    assert OpeningSession.objects.get(tender=story.tender).escrow_round == 1


# ---- sign-in -------------------------------------------------------------------------------


def sign_in_with_borrowed_certificate(certificate_authority):
    """The user of one bidder, also the agent of another, signs in with the other's
    certificate."""
    story = build_opening(certificate_authority, bidders=2)
    story.reach_deadline()
    ours, theirs = story.bidders
    user = user_of(ours)
    MembershipFactory(
        role=Role.AGENT, user=user, organisation=Organisation.objects.get(uscc=theirs.uscc)
    )
    borrowed = certificate_authority.issue_organisation(
        name=theirs.name, uscc=theirs.uscc, key_type="ec-p256"
    )
    certificate_bind(user=user, certificate=borrowed.certificate, actor=PLATFORM)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    certificate_login(client, borrowed)
    response = client.post(
        f"/api/v1/tenders/{story.tender_id}/opening/sign-in", content_type="application/json"
    )
    return story, user, theirs, response


def test_a_sign_in_with_another_organisations_certificate_is_refused(
    bid_settings, certificate_authority
):
    story, user, theirs, response = sign_in_with_borrowed_certificate(certificate_authority)

    refused(response, 403, "not_a_bidder", user.get_username(), theirs.uscc)
    assert not OpeningSignIn.objects.exists()
    assert not OpeningSession.objects.filter(tender=story.tender).exists()


# bids.acting.acting_bidder refuses in the view, before the service and its `refusals_logged`.
def test_a_sign_in_with_another_organisations_certificate_is_on_record(
    bid_settings, certificate_authority
):
    story, user, _theirs, response = sign_in_with_borrowed_certificate(certificate_authority)

    assert response.status_code == 403
    refusal_event("not_a_bidder", tender_id=story.tender_id, actor=user)


def test_a_sign_in_before_it_opens_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    bidder = story.bidders[0]

    response = bidder.post(story.tender_id, "sign-in")

    refused(response, 409, "sign_in_not_open", story.tender_id, "opens at")
    sealed_refusal_event("sign_in_not_open", tender_id=story.tender_id, actor=user_of(bidder))
    assert not OpeningSignIn.objects.exists()
    assert not OpeningSession.objects.filter(tender=story.tender).exists()


# ---- confirmation and the host's part ------------------------------------------------------


def test_a_confirmation_after_its_time_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    bidder = story.bidders[0]
    assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"]
    ends_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    OpeningSession.objects.filter(tender=story.tender).update(confirmation_ends_at=ends_at)

    response = bidder.post(story.tender_id, "confirm")

    refused(response, 409, "confirmation_closed", "closed at", shanghai_time(ends_at, seconds=True))
    refusal_event("confirmation_closed", tender_id=story.tender_id, actor=user_of(bidder))
    assert not OpeningConfirmation.objects.exists()


@pytest.mark.parametrize("action", ["start", "finalise", "bids/{bid}/fault"])
def test_a_bidder_may_not_take_the_hosts_actions(bid_settings, certificate_authority, action):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    bidder = story.bidders[0]

    response = bidder.post(
        story.tender_id, action.format(bid=bidder.bid_id), {"fault": "other", "reason": "平台故障"}
    )

    # Another organisation's tender: a 404, as for an unknown one, and on record.
    refused(
        response,
        404,
        "not_the_host",
        "neither the tenderee nor the agent",
    )
    refusal_event("not_the_host", tender_id=story.tender_id, actor=user_of(bidder))
    assert not OpeningSession.objects.filter(tender=story.tender).exists()
    assert story.refresh().state == TenderState.OPENING


def test_a_second_start_is_refused(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    session = OpeningSession.objects.get(tender=story.tender)

    response = story.host_post("start")

    refused(response, 409, "decryption_already_started", story.tender_id)
    refusal_event("decryption_already_started", tender_id=story.tender_id, actor=story.host_user)
    again = OpeningSession.objects.get(tender=story.tender)
    assert (again.state, again.decryption_started_at, again.decryption_ends_at) == (
        session.state,
        session.decryption_started_at,
        session.decryption_ends_at,
    )
    assert BidDecryption.objects.filter(session=session).count() == 1


def test_finalising_while_a_failed_decryption_has_no_fault_ruling_is_refused(
    bid_settings,
    certificate_authority,
    settings,
):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    close_window(story)
    assert opening_sweep_due() == 1

    response = story.host_post("finalise")

    refused(response, 409, "fault_not_recorded", "办法 第31条", "1 bid(s) have no ruling")
    refusal_event("fault_not_recorded", tender_id=story.tender_id, actor=story.host_user)
    session = OpeningSession.objects.get(tender=story.tender)
    assert (session.state, session.finalised_at, session.outcome) == ("reading", None, "")
    assert story.refresh().state == TenderState.OPENING
    assert not Notice.objects.filter(
        tender=story.tender, kind__in=["opening_record", "failed_tender"]
    ).exists()


# ---- what the hall shows -------------------------------------------------------------------


def test_a_bidder_does_not_see_another_bidders_failure_reason(bid_settings, certificate_authority):
    story = build_opening(certificate_authority, bidders=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    reader, failed = story.bidders
    assert reader.hand_over_key(story.tender_id).status_code == 202
    assert failed.hand_over_key(story.tender_id, key=bytes(32)).status_code == 422
    assert story.run_decryptions() == ["decrypted"]
    close_window(story)
    opening_sweep_due()
    decryption = BidDecryption.objects.get(bid_id=failed.bid_id)
    assert decryption.state == "failed" and decryption.failure_reason
    assert decryption.last_refusal

    response = reader.client.get(f"/api/v1/tenders/{story.tender_id}/opening")

    assert response.status_code == 200
    row = next(row for row in response.json()["bidders"] if row["bid"] == failed.bid_id)
    assert row["decryption"] == "failed"
    assert not {"failure", "last_refusal", "wrong_key_attempts", "fault_reason"} & set(row)
    content = response.content.decode()
    assert decryption.failure_reason not in content
    assert decryption.last_refusal not in content
    own = next(row for row in failed.hall(story.tender_id)["bidders"] if row["own"])
    assert own["failure"] == decryption.failure_reason


def test_before_the_deadline_a_bidder_signed_in_sees_only_itself(
    bid_settings, certificate_authority
):
    story = build_opening(certificate_authority, bidders=2)
    Tender.objects.filter(pk=story.tender.pk).update(
        bid_deadline=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    )
    early, other = story.bidders
    assert other.post(story.tender_id, "sign-in").status_code == 200
    assert early.post(story.tender_id, "sign-in").status_code == 200

    response = early.client.get(f"/api/v1/tenders/{story.tender_id}/opening")

    hall = response.json()
    assert response.status_code == 200
    assert hall["tender"]["state"] == TenderState.PUBLISHED
    assert [(row["bidder"], row["own"], row["signed_in"]) for row in hall["bidders"]] == [
        (early.name, True, True)
    ]
    # 招标投标法 第二十二条: neither the names nor the number of bidders before the deadline.
    assert hall["session"]["signed_in"] == 1
    content = response.content.decode()
    assert other.name not in content
    assert other.uscc not in content
    assert other.bid_id not in content
