"""Any event's inclusion proof comes from a few stored subtrees and digests, and checks out
against the signed checkpoint; the checkpoints themselves are public."""

import pytest
from django.db import transaction

from monitoring.checkpoints import checkpoint_create
from monitoring.models import Event, EventCheckpoint, EventTreeNode
from monitoring.proofs import event_inclusion_proof
from monitoring.services import Actor, record_event
from monitoring.tree import TILE_SIZE
from signing.eventlog import check_inclusion_bundle, verify_signed_checkpoint_json
from signing.merkle import EMPTY_ROOT, ProofInvalid, verify_consistency
from tests.config.test_openapi import assert_matches
from tests.monitoring.test_event_chain import tamper


def record_many(count: int) -> None:
    """Many events in one transaction: what a busy minute appends, without a commit each."""
    with transaction.atomic():
        for number in range(count):
            record_event(
                actor=Actor(role="platform"),
                action="test.touched",
                object_type="test.thing",
                object_id=str(number),
            )


@pytest.mark.django_db
def test_every_event_is_proven_in_the_latest_checkpoint_with_three_queries(
    django_assert_num_queries,
):
    record_many(2 * TILE_SIZE + 44)
    checkpoint_create()
    record_many(TILE_SIZE + 1)
    latest = checkpoint_create()
    assert EventTreeNode.objects.count() == 4  # three tiles of 256 and one subtree of 512

    for sequence in (1, TILE_SIZE, TILE_SIZE + 1, 2 * TILE_SIZE + 44, latest.tree_size):
        event = Event.objects.get(sequence=sequence)
        with django_assert_num_queries(3):  # the checkpoint, stored subtrees, event digests
            proof = event_inclusion_proof(event=event)
        checked = check_inclusion_bundle(proof)
        assert (checked.leaf_index, checked.tree_size) == (sequence - 1, latest.tree_size)
        assert proof["signed_checkpoint"]["checkpoint"]["root_hash"] == latest.root_hash


@pytest.mark.django_db
def test_a_proof_from_a_changed_tree_node_is_not_handed_out():
    record_many(TILE_SIZE + 3)
    checkpoint_create()
    tamper("UPDATE monitoring_eventtreenode SET hash = %s", ["ab" * 32])

    with pytest.raises(ProofInvalid, match=r"leads to .*, not to the root"):
        event_inclusion_proof(event=Event.objects.get(sequence=TILE_SIZE + 2))


@pytest.mark.django_db
def test_anyone_lists_the_signed_checkpoints_and_checks_each_follows_the_last(client, trust_store):
    for _round in range(3):
        record_many(2)
        checkpoint_create()

    first_page = client.get("/api/v1/log/checkpoints", {"limit": 2})
    second_page = client.get("/api/v1/log/checkpoints", {"after": first_page.json()["next_after"]})

    assert first_page.status_code == 200
    assert_matches("/api/v1/log/checkpoints", "get", 200, first_page.json())
    listed = first_page.json()["checkpoints"] + second_page.json()["checkpoints"]
    assert [item["tree_size"] for item in listed] == [2, 4, 6]
    assert (first_page.json()["next_after"], second_page.json()["next_after"]) == (4, None)
    previous_size, previous_root = 0, EMPTY_ROOT.hex()
    for item in listed:
        signed = verify_signed_checkpoint_json(item["signed_checkpoint"], trust=trust_store)
        assert signed.platform == "Trading Platform"
        verify_consistency(
            old_size=previous_size,
            new_size=item["tree_size"],
            old_root=bytes.fromhex(previous_root),
            new_root=bytes.fromhex(signed.statement["root_hash"]),
            proof=[bytes.fromhex(node) for node in item["consistency_proof"]],
        )
        assert signed.statement["previous_root_hash"] == previous_root
        previous_size, previous_root = item["tree_size"], signed.statement["root_hash"]
    assert previous_root == EventCheckpoint.objects.get(tree_size=6).root_hash


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"after": "-1"}])
def test_a_bad_page_of_checkpoints_is_refused_naming_the_parameter(client, query):
    response = client.get("/api/v1/log/checkpoints", query)
    name = next(iter(query))
    assert response.status_code == 400
    assert response.json()["field"] == name
    assert response.json()["error"] == "invalid"
