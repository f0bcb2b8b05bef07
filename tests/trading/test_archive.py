"""The archive package of a tender: one zip with notices, letters, documents and the tender's
events, a manifest signed and timestamped by the platform, verifiable offline (办法 第四十条)."""

import hashlib
import io
import json
import zipfile

import pytest
from django.db import transaction

from monitoring.services import Actor, Sealed, record_event
from monitoring.transitions import TransitionRefused
from signing.canonical import canonical_digest
from signing.conf import platform_trust_store
from tests.factories import days_from_now
from tests.trading.test_award import end_publicity, evaluated_tender, publicize
from trading.archive import archive_download, archive_verify, tender_archive
from trading.award import contract_register, tender_award
from trading.models import ArchivePackage, Tender, TenderDocument, TenderState

DOCUMENT = "第一章 招标公告\n".encode() * 50_000  # 1.2 MB: several chunks through the stream


def stored_document(tender, storage) -> TenderDocument:
    key = f"tenders/{tender.pk}/documents/test"
    stored = storage.put_stream(
        bucket=storage.bucket("documents"), key=key, stream=io.BytesIO(DOCUMENT)
    )
    return TenderDocument.objects.create(
        tender=tender,
        kind="tender_documents",
        name="招标文件.pdf",
        size=stored.size,
        sha256=stored.sha256,
        object_key=key,
        statement_signature=b"",
        signer_certificate_sha256="0" * 64,
        uploaded_by=tender.acting.user,
        uploaded_at=days_from_now(-20),
    )


def contracted_tender(storage):
    tender = evaluated_tender()
    tender.document = stored_document(tender, storage)
    publicize(tender)
    end_publicity(tender)
    tender_award(acting=tender.acting, tender_id=tender.pk, winner_uscc=tender.bidders[0].uscc)
    contract_register(
        acting=tender.acting,
        tender_id=tender.pk,
        value_fen=10_001_000_00,
        signed_at=days_from_now(0),
    )
    return tender


def downloaded(package: ArchivePackage) -> bytes:
    target = io.BytesIO()
    archive_download(package, target)
    return target.getvalue()


def with_member_changed(package: bytes, name: str) -> bytes:
    """The package rewritten with one byte of `name` flipped (a forger fixing the zip's CRCs)."""
    source, target = zipfile.ZipFile(io.BytesIO(package)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as rewritten:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            rewritten.writestr(info.filename, data)
    return target.getvalue()


@pytest.fixture
def archived(object_storage):
    tender = contracted_tender(object_storage)
    package = tender_archive(acting=tender.acting, tender_id=tender.pk)
    tender.refresh_from_db()
    return tender, package, downloaded(package)


@pytest.mark.django_db
def test_archiving_stores_one_package_with_every_record(archived):
    tender, package, data = archived
    assert tender.state == TenderState.ARCHIVED
    assert (package.size, package.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert package.object_key == f"tenders/{tender.pk}/archive.zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    notices = sorted(name for name in names if name.startswith("notices/"))
    kinds = [name.split("-", 1)[1].split(".")[0] for name in notices if name.endswith(".json")]
    assert kinds == ["candidate_publicity", "award_announcement", "award_announcement"]
    assert len(notices) == 9  # release, signature and token of each
    assert sorted(
        name.split("/")[1].split("-")[0]
        for name in names
        if name.startswith("letters/") and name.endswith(".json")
    ) == ["award_notice", "result_notice", "result_notice", "result_notice"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.read(f"documents/{tender.document.pk}/招标文件.pdf") == DOCUMENT
    assert names[-3:] == ["manifest.json", "manifest.json.p7s", "manifest.json.tsr"]
    manifest = json.loads(archive.read("manifest.json"))
    assert {entry["name"] for entry in manifest["files"]} == set(names[:-3])
    events = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
    actions = [event["action"] for event in events]
    assert actions == [
        "tender.candidates_publicized",
        "notice.published",
        "tender.awarded",
        "notice.published",
        *["award_letter.issued"] * 4,
        "tender.contracted",
        "notice.published",
    ]
    assert [event["sequence"] for event in events] == sorted(event["sequence"] for event in events)
    record = json.loads(archive.read("tender.json"))
    assert record["contract"]["value_fen"] == 10_001_000_00
    assert record["documents"][0]["sha256"] == hashlib.sha256(DOCUMENT).hexdigest()


@pytest.mark.django_db
def test_the_package_verifies_offline(archived, tmp_path):
    _, _, data = archived
    path = tmp_path / "archive.zip"
    path.write_bytes(data)
    report = archive_verify(path, trust=platform_trust_store())
    assert report.ok, str(report)
    assert report.problem == ""
    assert report.files_checked == len(zipfile.ZipFile(path).namelist()) - 3
    assert report.manifest_signed_by == "Trading Platform"
    assert report.checks == [
        "manifest signature and timestamp",
        "file digests",
        "notice and letter signatures",
        "event digests",
    ]


@pytest.mark.django_db
def test_a_changed_byte_in_any_member_is_named(archived):
    _, _, data = archived
    trust = platform_trust_store()
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        report = archive_verify(io.BytesIO(with_member_changed(data, name)), trust=trust)
        assert (report.ok, report.member) == (False, name), str(report)


@pytest.mark.django_db
def test_a_corrupted_member_without_a_matching_crc_is_named(archived):
    _, _, data = archived
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("events.jsonl")
    # Flip a byte inside the stored (deflated) bytes of the member, leaving its CRC-32 as it was.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    position = start + info.compress_size // 2
    corrupted = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]
    report = archive_verify(io.BytesIO(corrupted), trust=platform_trust_store())
    assert (report.ok, report.member) == (False, "events.jsonl"), str(report)


@pytest.mark.django_db
def test_an_added_member_is_named(archived):
    _, _, data = archived
    target = io.BytesIO(data)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("documents/extra.pdf", b"not in the manifest")
    report = archive_verify(io.BytesIO(target.getvalue()), trust=platform_trust_store())
    assert (report.ok, report.member, report.problem) == (
        False,
        "documents/extra.pdf",
        "not listed in the manifest",
    )


@pytest.mark.django_db
def test_a_tender_still_awarded_is_not_archived(object_storage):
    tender = evaluated_tender()
    publicize(tender)
    end_publicity(tender)
    tender_award(acting=tender.acting, tender_id=tender.pk, winner_uscc=tender.bidders[0].uscc)
    with pytest.raises(TransitionRefused, match="only a contracted, failed or cancelled tender"):
        tender_archive(acting=tender.acting, tender_id=tender.pk)
    assert not ArchivePackage.objects.filter(tender=tender).exists()


@pytest.mark.django_db
def test_a_failed_tender_is_archived_with_its_events(object_storage):
    tender = evaluated_tender()
    # A failed tender (流标) from evaluation: set directly, failing is the bids helper's service.
    Tender.objects.filter(pk=tender.pk).update(state=TenderState.FAILED)
    package = tender_archive(acting=tender.acting, tender_id=tender.pk)
    report = archive_verify(io.BytesIO(downloaded(package)), trust=platform_trust_store())
    assert report.ok, str(report)


@pytest.mark.django_db
def test_the_package_carries_the_tenders_sealed_events_with_their_identities(object_storage):
    """Sealed events name no tender in the log; the archive, made after the award, finds them
    by their sealed identity and carries it, checkable against the event's digest."""
    tender = contracted_tender(object_storage)
    bidder = tender.bidders[0]
    with transaction.atomic():
        record_event(
            actor=Actor(role="bidder", client_ip="10.5.5.5"),
            action="document.obtained",
            object_type="trading.documentdownload",
            object_id="7",
            sealed=Sealed(tender_id=str(tender.pk), fields={"organisation": bidder.uscc}),
        )
    package = tender_archive(acting=tender.acting, tender_id=tender.pk)
    data = downloaded(package)

    lines = [
        json.loads(line)
        for line in zipfile.ZipFile(io.BytesIO(data)).read("events.jsonl").splitlines()
    ]
    [obtained] = [line for line in lines if line["action"] == "document.obtained"]
    assert (
        obtained["sealed_identity"]["tender_id"],
        obtained["sealed_identity"]["client_ip"],
        obtained["sealed_identity"]["fields"],
    ) == (str(tender.pk), "10.5.5.5", {"organisation": bidder.uscc})
    assert (
        canonical_digest(obtained["sealed_identity"])
        == obtained["payload"]["sealed_identity_sha256"]
    )
    assert archive_verify(io.BytesIO(data), trust=platform_trust_store()).ok
