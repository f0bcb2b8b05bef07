"""Backup and restore: an operator backs the platform up (database dump and a mirror of the
buckets) and restores it into a fresh database and a fresh bucket set; the event chain, its
signed checkpoints and every receipt still verify there."""
# The bid stories' fixtures are imported below; tests name them as parameters.
# ruff: noqa: F811

import json
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bids.models import BidUpload, Receipt
from monitoring.checkpoints import checkpoint_create
from monitoring.models import Event, EventCheckpoint
from storage.objects import get_storage
from tests.bids.conftest import (  # noqa: F401 - fixtures of the bid stories
    BidClient,
    bid_settings,
    bidder,
    bidder_client,
    other_bidder_client,
    seal,
    tender,
)


@pytest.fixture(autouse=True)
def own_buckets(settings, s3_server):
    """Buckets of this test's platform alone: the run's S3 server keeps other tests' objects."""
    run = uuid.uuid4().hex[:8]
    settings.S3_BUCKETS = {purpose: f"backed-up-{purpose}-{run}" for purpose in settings.S3_BUCKETS}
    get_storage.cache_clear()
    get_storage().ensure_buckets()
    yield
    get_storage.cache_clear()


def owner_url(database: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{database}"


@contextmanager
def fresh_platform(settings):
    """A new, empty database and new, empty buckets; the test's own are back afterwards."""
    original = connection.settings_dict["NAME"]
    fresh = f"{original}_restored"
    run = uuid.uuid4().hex[:8]
    with psycopg.connect(owner_url("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        server.execute(f'CREATE DATABASE "{fresh}"')
    buckets = dict(settings.S3_BUCKETS)
    settings.S3_BUCKETS = {purpose: f"restored-{purpose}-{run}" for purpose in buckets}
    get_storage.cache_clear()
    connection.close()
    connection.settings_dict["NAME"] = fresh
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        settings.S3_BUCKETS = buckets
        get_storage.cache_clear()
        with psycopg.connect(owner_url("postgres"), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def a_platform_with_bids(tender, bidder_client, other_bidder_client, credentials) -> None:
    """Two bids submitted, one withdrawn: three receipts, the sealed files in the bids bucket,
    and a signed checkpoint over every event, then more events after it."""
    bids, others = BidClient(bidder_client), BidClient(other_bidder_client)
    first = bids.submit(tender.pk, seal(credentials[0], tender.pk))
    assert first.status_code == 201, first.json()
    second = others.submit(tender.pk, seal(credentials[1], tender.pk))
    assert second.status_code == 201, second.json()
    checkpoint_create()
    _, _, withdrawn = others.withdraw(tender.pk, second.json()["bid"]["id"], credentials[1])
    assert withdrawn.status_code == 201, withdrawn.json()
    checkpoint_create()


def stored_objects(purpose: str) -> dict[str, str]:
    storage = get_storage()
    bucket = storage.bucket(purpose)
    found = {}
    for listed in storage.list_objects(bucket=bucket):
        with storage.open(bucket=bucket, key=listed.key) as chunks:
            found[listed.key] = b"".join(chunks)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_and_buckets_still_verifies(
    tender,
    bidder_client,
    other_bidder_client,
    bidder_credential,
    other_bidder_credential,
    settings,
    tmp_path,
    capsys,
):
    a_platform_with_bids(
        tender, bidder_client, other_bidder_client, (bidder_credential, other_bidder_credential)
    )
    events, receipts = Event.objects.count(), Receipt.objects.count()
    sealed = stored_objects("bids")
    assert (receipts, len(sealed), EventCheckpoint.objects.count()) == (3, 2, 2)

    call_command("backup", out=tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert sorted(item["key"] for item in manifest["buckets"]["bids"]["objects"]) == sorted(sealed)

    with fresh_platform(settings):
        call_command("restore", folder=tmp_path / "backup")
        output = capsys.readouterr().out

        assert (
            f"restored from {tmp_path / 'backup'} and verified: {events} events, "
            "2 signed checkpoints, 3 receipts"
        ) in output
        assert stored_objects("bids") == sealed
        assert set(BidUpload.objects.values_list("bucket", flat=True)) == {
            settings.S3_BUCKETS["bids"]
        }
        call_command("verify_events")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == "platform_app"  # the restored grants hold too
            cursor.execute(
                "SELECT has_table_privilege('platform_app', 'monitoring_event', 'DELETE')"
            )
            assert cursor.fetchone()[0] is False


@pytest.mark.django_db(transaction=True)
def test_a_sealed_bid_changed_in_the_backup_is_found_by_its_receipt(
    tender,
    bidder_client,
    other_bidder_client,
    bidder_credential,
    other_bidder_credential,
    settings,
    tmp_path,
):
    """Someone edits a backed-up sealed bid and its manifest line to match: the restore stores
    it, but the receipt the bidder holds does not vouch for it."""
    a_platform_with_bids(
        tender, bidder_client, other_bidder_client, (bidder_credential, other_bidder_credential)
    )
    call_command("backup", out=tmp_path / "backup")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["buckets"]["bids"]["objects"][0]
    path = tmp_path / "backup" / "objects" / "bids" / entry["key"]
    data = bytearray(path.read_bytes())
    data[-100] ^= 1  # a byte of the last segment of ciphertext
    path.write_bytes(bytes(data))
    from operations.backup import file_sha256

    entry["sha256"] = file_sha256(path)
    manifest_path.write_text(json.dumps(manifest))

    with fresh_platform(settings), pytest.raises(CommandError) as refused:
        call_command("restore", folder=tmp_path / "backup")

    assert "submission receipt" in str(refused.value)
    assert str(refused.value).endswith(
        "the stored sealed bid differs from the one the receipt vouches for"
    )


@pytest.mark.django_db(transaction=True)
def test_a_damaged_object_file_stops_the_restore(
    tender, bidder_client, bidder_credential, settings, tmp_path
):
    BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    call_command("backup", out=tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    key = manifest["buckets"]["bids"]["objects"][0]["key"]
    path = tmp_path / "backup" / "objects" / "bids" / key
    path.write_bytes(path.read_bytes()[:-1])

    with fresh_platform(settings), pytest.raises(CommandError) as refused:
        call_command("restore", folder=tmp_path / "backup")

    assert str(refused.value).startswith(f"{path} differs from the manifest (")
    assert str(refused.value).endswith("the backup is damaged")


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_database_that_holds_tables_is_refused(tender, tmp_path):
    call_command("backup", out=tmp_path / "backup")
    name = connection.settings_dict["NAME"]

    with pytest.raises(CommandError) as refused:
        call_command("restore", folder=tmp_path / "backup")

    assert str(refused.value).startswith(f"database {name!r} holds ")
    assert str(refused.value).endswith("tables: restore into a new, empty database")
    assert Event.objects.exists()


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path):
    (tmp_path / "database.dump").write_bytes(b"PGDMP")

    with pytest.raises(CommandError) as refused:
        call_command("restore", folder=tmp_path)

    assert str(refused.value) == (
        f"{tmp_path / 'manifest.json'} is missing: {tmp_path} is not a backup, or the backup "
        "did not finish"
    )
