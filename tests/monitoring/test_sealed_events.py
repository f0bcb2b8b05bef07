"""Sealed events: who obtained the documents or bid, and on which tender, is kept out of the
event row, in a sealed identity whose salted digest the event carries (办法 第21条)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from monitoring.chain import (
    SEALED_IDENTITY_DIGEST,
    find_broken_link,
    sealed_identity_content,
    sealed_identity_digest,
)
from monitoring.models import AppendOnlyError, Event, SealedIdentity
from monitoring.services import Actor, Sealed, record_event
from signing.canonical import canonical_digest
from tests.database_roles import as_database_owner
from tests.factories import UserFactory
from tests.monitoring.test_event_chain import tamper

TENDER = "6a1c2b3d-0000-4000-8000-000000000001"
USCC = "91110108MA3C000310"


def record_obtained(user, number: int = 1) -> Event:
    with transaction.atomic():
        return record_event(
            actor=Actor(user=user, role="bidder", client_ip="10.9.8.7"),
            action="document.obtained",
            object_type="trading.documentdownload",
            object_id=str(number),
            payload={"note": number},
            sealed=Sealed(tender_id=TENDER, fields={"organisation": USCC}),
        )


@pytest.mark.django_db
def test_a_sealed_event_holds_no_actor_address_or_tender_and_the_digest_of_its_sealed_row():
    bidder = UserFactory(username="zhangwei")
    event = Event.objects.select_related("sealed_identity").get(pk=record_obtained(bidder).pk)

    assert (event.actor_id, event.actor_label, event.role, event.client_ip) == (
        None,
        "sealed",
        "bidder",
        None,
    )
    identity = event.sealed_identity
    assert (
        identity.actor_id,
        identity.actor_label,
        identity.client_ip,
        identity.tender_id,
        identity.fields,
    ) == (bidder.pk, "zhangwei", "10.9.8.7", TENDER, {"organisation": USCC})
    assert event.payload == {"note": 1, SEALED_IDENTITY_DIGEST: sealed_identity_digest(identity)}
    assert event.payload[SEALED_IDENTITY_DIGEST] == canonical_digest(
        sealed_identity_content(identity)
    )
    # Nothing in the row a reader of the log sees names the bidder or the tender.
    row = str(Event.objects.filter(pk=event.pk).values().get())
    for secret in (TENDER, USCC, "zhangwei", str(bidder.pk), "10.9.8.7"):
        assert secret not in row
    assert find_broken_link() == (1, None)


@pytest.mark.django_db
def test_the_salt_keeps_the_digest_from_being_found_by_trying_the_bidders():
    bidder = UserFactory()
    first, second = record_obtained(bidder, 1), record_obtained(bidder, 1)
    # The same bidder obtaining the same tender's documents twice: two unrelated digests.
    assert first.payload[SEALED_IDENTITY_DIGEST] != second.payload[SEALED_IDENTITY_DIGEST]
    identity = SealedIdentity.objects.get(event=first)
    unsalted = {**sealed_identity_content(identity), "salt": ""}
    assert canonical_digest(unsalted) != first.payload[SEALED_IDENTITY_DIGEST]
    assert len(identity.salt) == 64


@pytest.mark.django_db
def test_a_sealed_event_whose_payload_names_the_tender_is_refused():
    with pytest.raises(ValueError, match=r"must not hold \['tender'\]"), transaction.atomic():
        record_event(
            actor=Actor(role="bidder"),
            action="bid.submitted",
            object_type="bids.bid",
            object_id="1",
            payload={"tender": TENDER},
            sealed=Sealed(tender_id=TENDER),
        )
    assert Event.objects.count() == SealedIdentity.objects.count() == 0


@pytest.mark.django_db
def test_sealed_identities_cannot_be_changed_or_deleted():
    identity = SealedIdentity.objects.get(event=record_obtained(UserFactory()))
    identity.tender_id = "another"
    with pytest.raises(AppendOnlyError):
        identity.save()
    with pytest.raises(AppendOnlyError):
        identity.delete()
    with pytest.raises(AppendOnlyError):
        SealedIdentity.objects.filter(pk=identity.pk).update(tender_id="another")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        as_database_owner() as cursor,
    ):
        cursor.execute("DELETE FROM monitoring_sealedidentity WHERE id = %s", [identity.pk])


@pytest.mark.django_db
def test_verify_events_finds_a_sealed_identity_changed_with_raw_sql():
    bidder = UserFactory()
    events = [record_obtained(bidder, number) for number in range(3)]
    identity = SealedIdentity.objects.get(event=events[1])
    tamper(
        "UPDATE monitoring_sealedidentity SET fields = %s::jsonb WHERE id = %s",
        ['{"organisation": "91110108MA4D000410"}', identity.pk],
    )
    identity.refresh_from_db()

    with pytest.raises(CommandError) as refused:
        call_command("verify_events")

    message = str(refused.value)
    assert "after 1 good events" in message
    assert f"event id {events[1].pk} (sequence 2): sealed identity does not match its digest" in (
        message
    )
    assert (
        f"expected {events[1].payload[SEALED_IDENTITY_DIGEST]}, "
        f"found {sealed_identity_digest(identity)}"
    ) in message


@pytest.mark.django_db
def test_verify_events_finds_a_sealed_identity_removed():
    event = record_obtained(UserFactory())
    tamper("DELETE FROM monitoring_sealedidentity WHERE event_id = %s", [event.pk])
    checked, broken = find_broken_link()
    assert (checked, broken.event_id, broken.problem) == (0, event.pk, "sealed identity missing")


@pytest.mark.django_db
def test_verify_events_passes_on_sealed_and_plain_events(capsys):
    record_obtained(UserFactory())
    with transaction.atomic():
        record_event(
            actor=Actor(role="platform"),
            action="tender.closed",
            object_type="trading.tender",
            object_id=TENDER,
        )
    call_command("verify_events")
    assert "event chain intact: 2 events" in capsys.readouterr().out
