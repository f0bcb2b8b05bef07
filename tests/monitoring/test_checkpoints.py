"""Checkpoints are signed Merkle tree roots over every event: a rewritten, truncated or
unsigned log is found, and so is a checkpoint that is missing or late.

Several tests play an insider with the database owner's rights: they switch the append-only
triggers off for their session (`session_replication_role = replica`, see `tamper`) to change
or delete rows as such an insider could; the platform's code never does.
"""

import datetime as dt
import json
import threading
from contextlib import contextmanager

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from monitoring.chain import event_digest, find_broken_link
from monitoring.checkpoints import CheckpointRefused, checkpoint_create, verify_checkpoints
from monitoring.models import AppendOnlyError, Event, EventChainHead, EventCheckpoint
from monitoring.proofs import event_inclusion_proof
from monitoring.tasks import event_checkpoint
from monitoring.tree import TILE_SIZE
from signing.eventlog import event_leaf_hash
from signing.merkle import EMPTY_ROOT, root_of, verify_consistency
from tests.database_roles import as_database_owner
from tests.monitoring.test_event_chain import record, tamper

MAX_INTERVAL = 3600


def leaves_now() -> list[bytes]:
    return [event_leaf_hash(digest) for digest in Event.objects.values_list("digest", flat=True)]


@contextmanager
def hours_later(settings, hours: float):
    """Both clocks the platform reads (database and Python, which the TSA stamps with)."""
    settings.PLATFORM_CLOCK_OFFSET_SECONDS += int(hours * 3600)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours), tick=True):
        yield


def verify_events_refuses() -> str:
    with pytest.raises(CommandError) as refused:
        call_command("verify_events")
    return str(refused.value)


@pytest.mark.django_db
def test_a_checkpoint_signs_the_root_of_every_event_once_until_the_log_grows():
    for number in range(3):
        record(number)

    first = checkpoint_create()
    head = EventChainHead.objects.get()
    assert (first.tree_size, first.chain_digest) == (3, head.last_digest)
    assert first.root_hash == root_of(leaves_now()).hex()
    assert (first.previous_tree_size, first.previous_root_hash) == (0, EMPTY_ROOT.hex())
    assert (first.consistency_proof, len(first.frontier)) == ([], 2)  # 3 = 2 + 1
    assert checkpoint_create() is None  # nothing appended since

    record(4)
    assert event_checkpoint() == 4
    second = EventCheckpoint.objects.get(tree_size=4)
    assert second.root_hash == root_of(leaves_now()).hex()
    assert (second.previous_tree_size, second.previous_root_hash) == (3, first.root_hash)
    verify_consistency(
        old_size=3,
        new_size=4,
        old_root=bytes.fromhex(first.root_hash),
        new_root=bytes.fromhex(second.root_hash),
        proof=[bytes.fromhex(node) for node in second.consistency_proof],
    )
    assert verify_checkpoints() == (2, None)


@pytest.mark.django_db
def test_the_next_checkpoint_hashes_only_the_events_since_the_last():
    for number in range(TILE_SIZE + 4):
        record(number)
    checkpoint_create()
    for number in range(2):
        record(number)

    with CaptureQueriesContext(connection) as queries:
        checkpoint = checkpoint_create()

    reads = [query["sql"] for query in queries if 'FROM "monitoring_event"' in query["sql"]]
    assert len(reads) == 2  # the new events, then the two digests the consistency proof needs
    assert f'"monitoring_event"."sequence" > {TILE_SIZE + 4}' in reads[0]
    assert checkpoint.tree_size == TILE_SIZE + 6
    assert checkpoint.root_hash == root_of(leaves_now()).hex()
    assert verify_checkpoints() == (2, None)


@pytest.mark.django_db
def test_checkpoints_and_tree_nodes_cannot_be_changed():
    for number in range(TILE_SIZE):
        record(number)
    checkpoint = checkpoint_create()
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()
    with pytest.raises(AppendOnlyError):
        EventCheckpoint.objects.filter(pk=checkpoint.pk).update(root_hash="0" * 64)
    with (
        pytest.raises(DatabaseError, match="monitoring_eventtreenode is append-only"),
        as_database_owner() as cursor,
    ):
        cursor.execute("DELETE FROM monitoring_eventtreenode")


def rewrite_whole_chain_from(sequence: int, to_state: str) -> None:
    """What a database superuser could do: change an event and re-chain everything after it."""
    with as_database_owner() as cursor:
        cursor.execute("SET session_replication_role = replica")
        previous = Event.objects.get(sequence=sequence - 1).digest if sequence > 1 else "0" * 64
        for event in Event.objects.filter(sequence__gte=sequence).order_by("sequence"):
            if event.sequence == sequence:
                event.to_state = to_state
            event.previous_digest = previous
            event.digest = event_digest(event)
            cursor.execute(
                "UPDATE monitoring_event SET to_state = %s, previous_digest = %s, digest = %s "
                "WHERE id = %s",
                [event.to_state, event.previous_digest, event.digest, event.pk],
            )
            previous = event.digest
        cursor.execute("UPDATE monitoring_eventchainhead SET last_digest = %s", [previous])
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_a_rewritten_event_is_caught_by_the_signed_root():
    for number in range(5):
        record(number)
    signed = checkpoint_create()

    rewrite_whole_chain_from(2, "forged")

    assert find_broken_link() == (5, None)  # the chain alone looks intact
    forged_root = root_of(leaves_now()).hex()
    assert verify_events_refuses() == (
        f"checkpoint of 5 events: the log was rewritten: signed root {signed.root_hash}, the "
        f"events give {forged_root} (after 0 good checkpoints)"
    )


def truncate_to(size: int) -> None:
    """An insider removes the last events and points the chain head at the new last one."""
    last = Event.objects.get(sequence=size)
    tamper("DELETE FROM monitoring_event WHERE sequence > %s", [size])
    tamper(
        "UPDATE monitoring_eventchainhead SET last_sequence = %s, last_digest = %s",
        [size, last.digest],
    )


@pytest.mark.django_db
def test_a_log_truncated_after_its_checkpoint_is_caught():
    for number in range(5):
        record(number)
    checkpoint_create()

    truncate_to(3)

    assert find_broken_link() == (3, None)  # the chain and its head agree again
    assert verify_events_refuses() == (
        "checkpoint of 5 events: the log holds only 3 events (events were removed from the "
        "end) (after 0 good checkpoints)"
    )


@pytest.mark.django_db
def test_a_log_truncated_with_its_checkpoint_is_caught_by_a_copy_kept_outside(tmp_path):
    """Deleting the checkpoint too hides the truncation from the platform, not from a bidder
    who kept its inclusion proof (or anyone who copied the published checkpoints)."""
    for number in range(5):
        record(number)
    checkpoint = checkpoint_create()
    kept = tmp_path / "proof.json"
    kept.write_text(json.dumps(event_inclusion_proof(event=Event.objects.get(sequence=5))))

    truncate_to(3)
    tamper("DELETE FROM monitoring_eventcheckpoint WHERE id = %s", [checkpoint.pk])

    call_command("verify_events")  # nothing left inside the platform shows it
    with pytest.raises(CommandError) as refused:
        call_command("verify_events", checkpoint=[kept])
    assert str(refused.value) == (
        "checkpoints: the published checkpoint of 5 events is not in the log: the log holds "
        "only 3 events (events were removed from the end) (after 0 good checkpoints)"
    )


@pytest.mark.django_db
def test_a_published_checkpoint_the_log_still_holds_passes(tmp_path, capsys):
    for number in range(4):
        record(number)
    kept = tmp_path / "checkpoint.json"
    checkpoint_create()
    kept.write_text(json.dumps(event_inclusion_proof(event=Event.objects.get(sequence=2))))
    record(5)
    checkpoint_create()

    call_command("verify_events", checkpoint=[kept])
    assert capsys.readouterr().out.strip() == (
        "event chain intact: 5 events, 2 signed checkpoints, 1 published checkpoints held"
    )


@pytest.mark.django_db
def test_a_removed_checkpoint_leaves_a_gap():
    sizes = []
    for round_ in range(3):
        record(round_)
        sizes.append(checkpoint_create())
    middle = sizes[1]
    tamper("DELETE FROM monitoring_eventcheckpoint WHERE id = %s", [middle.pk])

    assert verify_events_refuses() == (
        "checkpoint of 3 events: a checkpoint is missing before it: it follows the checkpoint "
        f"of 2 events ({middle.root_hash}), the one before it is of 1 events "
        f"({sizes[0].root_hash}) (after 1 good checkpoints)"
    )


@pytest.mark.django_db
def test_events_left_without_a_checkpoint_past_the_interval_are_caught(settings):
    assert settings.EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS == MAX_INTERVAL
    for number in range(2):
        record(number)
    checkpoint_create()
    late = record(3)
    call_command("verify_events")  # within the interval: the next checkpoint is not due yet

    with hours_later(settings, 1.1):
        message = verify_events_refuses()
    assert message == (
        f"checkpoints: missing: no checkpoint covers event 3, which occurred at "
        f"{late.occurred_at.isoformat()}, more than {MAX_INTERVAL} s ago "
        "(after 1 good checkpoints)"
    )


@pytest.mark.django_db
def test_a_checkpoint_signed_after_the_interval_is_late(settings):
    first = record(1)
    record(2)

    with hours_later(settings, 1.5):
        checkpoint_create()
        checked, problem = verify_checkpoints()

    assert checked == 0
    assert problem.tree_size == 2
    assert problem.problem.startswith(
        f"late: event 1 occurred at {first.occurred_at.isoformat()} and was first signed at "
    )
    assert problem.problem.endswith(f"more than {MAX_INTERVAL} s later")


@pytest.mark.django_db
def test_a_checkpoint_whose_fields_were_changed_is_not_signed():
    for number in range(2):
        record(number)
    checkpoint = checkpoint_create()
    tamper(
        "UPDATE monitoring_eventcheckpoint SET root_hash = %s WHERE id = %s",
        ["f" * 64, checkpoint.pk],
    )
    checked, problem = verify_checkpoints()
    assert (checked, problem.tree_size) == (0, 2)
    assert problem.problem.startswith("not signed by the platform: ")


@pytest.mark.django_db
def test_a_changed_consistency_proof_is_caught():
    for number in range(3):
        record(number)
    checkpoint_create()
    record(4)
    second = checkpoint_create()
    tamper(
        "UPDATE monitoring_eventcheckpoint SET consistency_proof = %s::jsonb WHERE id = %s",
        [json.dumps(["ab" * 32, *second.consistency_proof[1:]]), second.pk],
    )
    checked, problem = verify_checkpoints()
    assert (checked, problem.tree_size) == (1, 4)
    assert problem.problem.startswith("not consistent with the checkpoint before it: ")


@pytest.mark.django_db
def test_a_checkpoint_is_refused_over_a_broken_extension_of_the_chain():
    for number in range(2):
        record(number)
    checkpoint_create()
    target = record(3)
    tamper("UPDATE monitoring_event SET to_state = 'forged' WHERE id = %s", [target.pk])

    with pytest.raises(CheckpointRefused, match="event digest does not match its fields"):
        checkpoint_create()
    assert list(EventCheckpoint.objects.values_list("tree_size", flat=True)) == [2]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("earlier_checkpoint", [False, True])
def test_checkpoints_made_at_once_never_fork(earlier_checkpoint):
    """Beat and a redelivered task may run together: one signs, the others find it done."""
    for number in range(3):
        record(number)
    if earlier_checkpoint:
        checkpoint_create()
        record(4)
    results: list[object] = []
    start = threading.Barrier(4)

    def make() -> None:
        try:
            start.wait()
            results.append(checkpoint_create())
        except BaseException as error:  # reported to the main thread
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    made = [result for result in results if isinstance(result, EventCheckpoint)]
    assert len(made) == 1, results
    assert results.count(None) == 3
    assert verify_checkpoints() == (1 + earlier_checkpoint, None)


@pytest.mark.django_db
def test_anyone_reads_the_newest_checkpoints_on_the_public_page(client):
    record(1)
    checkpoint = checkpoint_create()

    page = client.get("/log/").content.decode()

    assert checkpoint.root_hash in page
    assert f"<td>{checkpoint.tree_size}</td>" in page
