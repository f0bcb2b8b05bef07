"""The event log: one chain, append-only, whose every broken link is found."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from monitoring.chain import event_digest, find_broken_link
from monitoring.models import GENESIS_DIGEST, AppendOnlyError, Event
from monitoring.services import Actor, record_event
from tests.database_roles import as_database_owner
from tests.factories import UserFactory


def record(number: int, actor: Actor | None = None) -> Event:
    with transaction.atomic():
        return record_event(
            actor=actor or Actor(role="operator", client_ip="127.0.0.1"),
            action="test.touched",
            object_type="test.thing",
            object_id=str(number),
            from_state="old",
            to_state="new",
            payload={"number": number, "名称": "测试"},
        )


@pytest.mark.django_db
def test_each_event_links_to_the_one_before():
    supervisor = UserFactory(username="supervisor-li")
    first = record(1, Actor(user=supervisor, role="supervisor", client_ip="10.1.2.3"))
    second = record(2)

    assert first.sequence == 1
    assert first.previous_digest == GENESIS_DIGEST
    assert second.previous_digest == first.digest
    assert second.digest == event_digest(second)
    assert first.actor_label == "supervisor-li"
    assert second.occurred_at >= first.occurred_at
    assert find_broken_link() == (2, None)


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        record_event(actor=Actor(), action="x", object_type="y", object_id="1")


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_writers_leave_one_unbroken_chain():
    writers, events_each = 8, 200
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for number in range(events_each):
                record(writer * 1000 + number)
        except BaseException as error:  # reported to the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert connection.vendor == "postgresql"
    assert Event.objects.count() == writers * events_each
    assert list(Event.objects.values_list("sequence", flat=True)) == list(
        range(1, writers * events_each + 1)
    )
    assert find_broken_link() == (writers * events_each, None)


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = record(1)
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).action == "test.touched"


@pytest.mark.django_db
def test_the_database_refuses_a_plain_sql_update():
    event = record(1)
    forge = "UPDATE monitoring_event SET action = 'forged' WHERE id = %s"
    # As the owner: the application's role may not even try (tests/hardening/).
    with (
        pytest.raises(DatabaseError, match="append-only"),
        as_database_owner() as cursor,
    ):
        cursor.execute(forge, [event.pk])


def tamper(sql: str, params: list) -> None:
    """What an insider with database superuser rights can do: bypass the trigger and edit."""
    with as_database_owner() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_verify_events_reports_the_row_changed_with_raw_sql():
    events = [record(number) for number in range(5)]
    target = events[2]
    tamper("UPDATE monitoring_event SET to_state = 'forged' WHERE id = %s", [target.pk])
    target.refresh_from_db()

    with pytest.raises(CommandError) as refused:
        call_command("verify_events")

    message = str(refused.value)
    assert f"event id {target.pk} (sequence 3)" in message
    assert "event digest does not match its fields" in message
    assert f"expected {event_digest(target)}, found {target.digest}" in message
    assert "after 2 good events" in message


@pytest.mark.django_db
def test_verify_events_reports_a_changed_payload():
    events = [record(number) for number in range(3)]
    tamper(
        "UPDATE monitoring_event SET payload = '{\"number\": 99}'::jsonb WHERE id = %s",
        [events[1].pk],
    )
    checked, broken = find_broken_link()
    assert checked == 1
    assert broken.event_id == events[1].pk
    assert broken.problem == "payload does not match its digest"


@pytest.mark.django_db
def test_verify_events_reports_a_deleted_row():
    events = [record(number) for number in range(4)]
    tamper("DELETE FROM monitoring_event WHERE id = %s", [events[1].pk])
    checked, broken = find_broken_link()
    assert checked == 1
    assert broken.event_id == events[2].pk
    assert broken.problem == "sequence gap (events removed)"


@pytest.mark.django_db
def test_verify_events_reports_rows_removed_from_the_end():
    events = [record(number) for number in range(3)]
    tamper("DELETE FROM monitoring_event WHERE id = %s", [events[2].pk])
    checked, broken = find_broken_link()
    assert checked == 2
    assert broken.event_id is None
    assert broken.expected == f"3/{events[2].digest}"


@pytest.mark.django_db
def test_verify_events_passes_on_an_intact_chain(capsys):
    for number in range(3):
        record(number)
    call_command("verify_events")
    assert "event chain intact: 3 events" in capsys.readouterr().out
