"""Signed checkpoints of the event chain catch even a consistent rewrite of the whole chain."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from monitoring.chain import event_digest, find_broken_link
from monitoring.checkpoints import checkpoint_create, find_broken_checkpoint
from monitoring.models import Event, EventChainHead, EventCheckpoint
from monitoring.tasks import event_checkpoint
from tests.monitoring.test_event_chain import record


@pytest.mark.django_db
def test_a_checkpoint_signs_the_head_once_until_the_chain_moves():
    for number in range(3):
        record(number)

    first = checkpoint_create()
    assert (first.sequence, first.digest) == (3, EventChainHead.objects.get().last_digest)
    assert checkpoint_create() is None  # nothing appended since
    record(4)
    assert event_checkpoint() == 4
    assert find_broken_checkpoint() == (2, None)


def rewrite_whole_chain_from(sequence: int, to_state: str) -> None:
    """What a database superuser could do: change an event and re-chain everything after it."""
    with connection.cursor() as cursor:
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
def test_a_consistent_rewrite_of_the_chain_is_caught_by_the_checkpoint():
    for number in range(5):
        record(number)
    checkpoint_create()

    rewrite_whole_chain_from(2, "forged")

    assert find_broken_link() == (5, None)  # the chain alone looks intact
    with pytest.raises(CommandError, match="checkpoint at sequence 5: the chain was rewritten"):
        call_command("verify_events")


@pytest.mark.django_db
def test_a_forged_checkpoint_is_caught():
    for number in range(2):
        record(number)
    checkpoint = checkpoint_create()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE monitoring_eventcheckpoint SET digest = %s WHERE id = %s",
            ["f" * 64, checkpoint.pk],
        )
    checked, problem = find_broken_checkpoint()
    assert checked == 0
    assert problem.sequence == 2 and problem.problem.startswith("not signed")
    assert EventCheckpoint.objects.count() == 1
