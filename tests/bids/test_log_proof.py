"""A bidder fetches the proof that its submission is in the signed event log; nobody else but a
supervisor can, and the proof names no bidder and no tender (办法 第21条)."""

import json

import pytest

from accounts.models import Role
from bids.models import Bid
from monitoring.checkpoints import checkpoint_create
from monitoring.models import Event
from signing.eventlog import check_inclusion_bundle, verify_signed_checkpoint_json
from tests.bids.conftest import BidClient, seal
from tests.certificates import BIDDER_USCC
from tests.config.test_openapi import assert_matches
from tests.factories import MembershipFactory

PATH = "/api/v1/bids/{id}/log-proof"


@pytest.mark.django_db
def test_a_bidder_fetches_the_proof_of_its_submission_and_it_verifies(
    tender, bidder_client, bidder_credential, trust_store
):
    submitted = BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    receipt = submitted.json()["receipt"]
    checkpoint = checkpoint_create()

    response = bidder_client.get(PATH.format(id=receipt["bid"]))

    assert response.status_code == 200, response.json()
    assert_matches("/api/v1/bids/{bid_id}/log-proof", "get", 200, response.json())
    proof = response.json()
    event = Event.objects.get(action="bid.submitted")
    checked = check_inclusion_bundle(proof)
    signed = verify_signed_checkpoint_json(proof["signed_checkpoint"], trust=trust_store)
    assert (checked.leaf_index, checked.tree_size) == (event.sequence - 1, checkpoint.tree_size)
    assert signed.statement["root_hash"] == checkpoint.root_hash
    assert proof["event"]["object_id"] == receipt["bid"]
    sealed = {"tender", "bidder_uscc"}
    assert {key: proof["event"]["payload"][key] for key in receipt.keys() - sealed} == {
        key: receipt[key] for key in receipt.keys() - sealed
    }
    text = json.dumps(proof)
    assert BIDDER_USCC not in text and str(tender.pk) not in text
    assert proof["event"]["actor_id"] is None and proof["event"]["client_ip"] is None


@pytest.mark.django_db
def test_only_the_bidder_and_supervisors_fetch_a_submission_proof(
    tender, bidder_client, other_bidder_client, bidder_credential, client
):
    BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    checkpoint_create()
    url = PATH.format(id=Bid.objects.get().pk)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user

    by_other_bidder = other_bidder_client.get(url)
    client.force_login(tenderee)
    by_tenderee = client.get(url)
    client.force_login(supervisor)
    by_supervisor = client.get(url)

    assert by_other_bidder.status_code == 404
    assert by_other_bidder.json()["error"] == "bid_not_found"
    assert by_tenderee.status_code == 403
    assert by_supervisor.status_code == 200
    assert by_supervisor.json()["event"]["action"] == "bid.submitted"


@pytest.mark.django_db
def test_a_submission_not_yet_checkpointed_is_refused_until_the_next_checkpoint(
    tender, bidder_client, bidder_credential, settings
):
    BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    url = PATH.format(id=Bid.objects.get().pk)

    refused = bidder_client.get(url)
    checkpoint_create()
    answered = bidder_client.get(url)

    assert refused.status_code == 409
    sequence = Event.objects.get(action="bid.submitted").sequence
    assert refused.json() == {
        "error": "event_not_checkpointed",
        "message": f"Event {sequence} is not yet in a signed checkpoint; one is signed every "
        f"{settings.EVENT_CHECKPOINT_INTERVAL_SECONDS} seconds: ask again then.",
    }
    assert answered.status_code == 200
