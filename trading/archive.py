"""The archive of a tender: one zip file with everything that must be kept (办法 第四十条), a
manifest of every file's size and SHA-256, signed by the platform and timestamped, and an
offline verifier (docs/award-and-archive.md).

Package layout:
    tender.json                         the tender's record: terms, candidates, award, contract
    notices/<sequence>-<kind>.json      each notice's OCDS release, canonical JSON (as signed)
    notices/<sequence>-<kind>.json.p7s  its platform CMS signature (DER, detached)
    notices/<sequence>-<kind>.json.tsr  its RFC 3161 token
    letters/<kind>-<uscc>.json(.p7s|.tsr)  award notice / result notices, likewise
    documents/<document id>/<file name>    the tender documents, clarifications, amendments
    events.jsonl                        the tender's slice of the event log, one event a line
    manifest.json                       canonical JSON: every file above with size and SHA-256
    manifest.json.p7s / manifest.json.tsr  the platform's signature and token over manifest.json
"""

import hashlib
import json
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from monitoring.chain import (
    CHAINED_FIELDS,
    SEALED_IDENTITY_DIGEST,
    chained_value,
    sealed_identity_content,
)
from monitoring.clock import database_now
from monitoring.models import Event
from monitoring.transitions import TransitionRefused, apply_transition
from signing.canonical import canonical_digest, canonical_json
from signing.cms import SignatureInfo, sign_detached, verify_detached
from signing.conf import platform_credential, platform_timestamp_authority
from signing.errors import SigningError
from signing.timestamps import TimestampInfo, verify_timestamp
from signing.trust import TrustStore
from storage.objects import get_storage
from trading.models import (
    ArchivePackage,
    Award,
    AwardLetter,
    Candidate,
    CandidateObjection,
    Contract,
    DocumentObjection,
    Tender,
)
from trading.notices import notice_release_bytes
from trading.services import Acting, manager_role

FORMAT = "tender-archive/1"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.json.p7s"
MANIFEST_TIMESTAMP = "manifest.json.tsr"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The package cannot be built: a stored document does not match its recorded digest."""

    code = "archive_invalid"


class _Writer:
    """Writes members into a zip, streaming, and remembers each one's name, size and SHA-256."""

    def __init__(self, target: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict[str, Any]] = []

    def write_stream(self, name: str, chunks: Iterator[bytes]) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
        entry = {"name": name, "size": size, "sha256": digest.hexdigest()}
        self.files.append(entry)
        return entry

    def write_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        return self.write_stream(name, iter([data]))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _tender_record(tender: Tender) -> dict[str, Any]:
    project = tender.project
    record: dict[str, Any] = {
        "id": str(tender.pk),
        "title": tender.title,
        "lot_number": tender.lot_number,
        "project": {
            "code": project.code,
            "name": project.name,
            "regime": project.regime,
            "tenderee": {"name": project.tenderee.name, "uscc": project.tenderee.uscc},
        },
        "category": tender.category,
        "method": tender.method,
        "ceiling_price_fen": tender.ceiling_price_fen,
        "bid_deadline": _iso(tender.bid_deadline),
        "published_at": _iso(tender.published_at),
        "state": tender.state,
        "documents": [
            {
                "id": str(document.pk),
                "kind": document.kind,
                "name": document.name,
                "size": document.size,
                "sha256": document.sha256,
                "signer_certificate_sha256": document.signer_certificate_sha256,
            }
            for document in tender.documents.order_by("uploaded_at", "pk")
        ],
        "candidates": [
            {
                "rank": candidate.rank,
                "name": candidate.organisation.name,
                "uscc": candidate.organisation.uscc,
                "price_fen": candidate.price_fen,
            }
            for candidate in Candidate.objects.filter(tender=tender).select_related("organisation")
        ],
        "objections": [
            {
                "about": about,
                "raised_at": _iso(objection.raised_at),
                "text": objection.text,
                "answer": objection.answer,
                "answered_at": _iso(objection.answered_at),
            }
            for about, model in (
                ("documents", DocumentObjection),
                ("evaluation_result", CandidateObjection),
            )
            for objection in model.objects.filter(tender=tender).order_by("raised_at")
        ],
    }
    award = Award.objects.filter(tender=tender).select_related("winner").first()
    if award is not None:
        record["award"] = {
            "winner": {"name": award.winner.name, "uscc": award.winner.uscc},
            "price_fen": award.price_fen,
            "reason": award.reason,
            "decided_at": _iso(award.decided_at),
            "contract_due": _iso(award.contract_due),
        }
    contract = Contract.objects.filter(tender=tender).first()
    if contract is not None:
        record["contract"] = {
            "id": str(contract.pk),
            "value_fen": contract.value_fen,
            "signed_at": _iso(contract.signed_at),
        }
    return record


def tender_events(tender: Tender) -> QuerySet[Event]:
    """The tender's slice of the event log: events on the tender or on its objects, whose
    payload names it, or whose sealed identity does (bidding events, 办法 第21条)."""
    related_ids = [str(tender.pk)]
    for model in (AwardLetter, CandidateObjection, DocumentObjection):
        related_ids += [
            str(pk) for pk in model.objects.filter(tender=tender).values_list("pk", flat=True)
        ]
    related_ids += [str(pk) for pk in tender.notices.values_list("pk", flat=True)]
    related_ids += [str(pk) for pk in tender.documents.values_list("pk", flat=True)]
    return (
        Event.objects.filter(
            Q(object_id__in=related_ids)
            | Q(payload__tender=str(tender.pk))
            | Q(sealed_identity__tender_id=str(tender.pk))
        )
        .select_related("sealed_identity")
        .order_by("sequence")
    )


def _event_line(event: Event) -> bytes:
    line = {name: chained_value(getattr(event, name)) for name in CHAINED_FIELDS}
    line["payload"] = event.payload
    line["digest"] = event.digest
    # The archive is made after the award: who bid is public by then, and the sealed row,
    # salt included, lets a reader check it against the digest in the payload.
    identity = getattr(event, "sealed_identity", None)
    if identity is not None:
        line["sealed_identity"] = sealed_identity_content(identity)
    return canonical_json(line) + b"\n"


def _write_signed(writer: _Writer, name: str, data: bytes, signature: bytes, token: bytes) -> None:
    writer.write_bytes(name, data)
    writer.write_bytes(f"{name}.p7s", bytes(signature))
    writer.write_bytes(f"{name}.tsr", bytes(token))


def archive_build(tender: Tender, target: IO[bytes]) -> dict[str, Any]:
    """Write the package of `tender` into `target`; return the manifest. Documents are
    streamed from storage, each checked against its recorded SHA-256."""
    storage = get_storage()
    writer = _Writer(target)
    writer.write_bytes("tender.json", canonical_json(_tender_record(tender)))
    for notice in tender.notices.order_by("sequence"):
        _write_signed(
            writer,
            f"notices/{notice.sequence:08d}-{notice.kind}.json",
            notice_release_bytes(notice),
            notice.platform_signature,
            notice.timestamp_token,
        )
    for letter in AwardLetter.objects.filter(tender=tender).select_related("organisation"):
        _write_signed(
            writer,
            f"letters/{letter.kind}-{letter.organisation.uscc}.json",
            canonical_json(letter.content),
            letter.platform_signature,
            letter.timestamp_token,
        )
    bucket = storage.bucket("documents")
    for document in tender.documents.order_by("uploaded_at", "pk"):
        with storage.open(bucket=bucket, key=document.object_key) as chunks:
            entry = writer.write_stream(f"documents/{document.pk}/{document.name}", chunks)
        if entry["sha256"] != document.sha256 or entry["size"] != document.size:
            raise ArchiveError(
                f"document {document.pk} ({document.name}) in storage has SHA-256 "
                f"{entry['sha256']}, size {entry['size']}; recorded {document.sha256}, "
                f"size {document.size}"
            )
    writer.write_stream(
        "events.jsonl", (_event_line(event) for event in tender_events(tender).iterator())
    )
    manifest = {
        "format": FORMAT,
        "tender": str(tender.pk),
        "title": tender.title,
        "created_at": database_now().isoformat(),
        "files": writer.files,
    }
    data = canonical_json(manifest)
    writer.zip.writestr(MANIFEST, data)
    writer.zip.writestr(MANIFEST_SIGNATURE, sign_detached(data, credential=platform_credential()))
    writer.zip.writestr(MANIFEST_TIMESTAMP, platform_timestamp_authority().timestamp(data))
    writer.zip.close()
    return manifest


def archive_key(tender_id: UUID) -> str:
    return f"tenders/{tender_id}/archive.zip"


def tender_archive(*, acting: Acting, tender_id: UUID) -> ArchivePackage:
    """contracted / failed / cancelled → archived, with the package stored in "archive".

    The package is built in a temporary file and uploaded before the transaction (a long
    upload must not hold the tender's lock); the state then moves under the lock, and the
    event records the package's key, size and digests. Memory stays flat whatever the size
    of the documents: they are streamed through the zip writer and the upload.
    """
    tender = Tender.objects.select_related("project", "project__tenderee").get(pk=tender_id)
    manager_role(acting, tender.project)
    if not can_proceed(tender.archive):
        raise TransitionRefused(
            _(
                "tender %(id)s is %(state)s: only a contracted, failed or cancelled tender is "
                "archived"
            )
            % {"id": tender.pk, "state": tender.state}
        )
    storage = get_storage()
    key = archive_key(tender.pk)
    with tempfile.TemporaryFile() as spool:
        manifest = archive_build(tender, spool)
        spool.seek(0)
        stored = storage.put_stream(
            bucket=storage.bucket("archive"),
            key=key,
            stream=spool,
            content_type="application/zip",
        )
    with transaction.atomic():
        tender = (
            Tender.objects.select_related("project")
            .select_for_update(of=("self",))
            .get(pk=tender_id)
        )
        role = manager_role(acting, tender.project)
        manifest_sha256 = hashlib.sha256(canonical_json(manifest)).hexdigest()
        apply_transition(
            tender,
            "archive",
            actor=acting.as_actor(role),
            action="tender.archived",
            payload={
                "bucket": stored.bucket,
                "key": key,
                "size": stored.size,
                "sha256": stored.sha256,
                "manifest_sha256": manifest_sha256,
            },
        )
        return ArchivePackage.objects.create(
            tender=tender,
            object_key=key,
            size=stored.size,
            sha256=stored.sha256,
            manifest_sha256=manifest_sha256,
            created_by=acting.user,
            created_at=database_now(),
        )


# --- offline verification (needs the package and a trust store, nothing else) --------------


@dataclass
class ArchiveReport:
    """What `archive_verify` found: `ok`, or the first `problem` and the `member` it is in."""

    ok: bool
    problem: str = ""
    member: str = ""
    tender: str = ""
    files_checked: int = 0
    manifest_signed_by: str = ""
    timestamped_at: str = ""
    checks: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.ok:
            return (
                f"package of tender {self.tender} verifies: {self.files_checked} files, "
                f"signed by {self.manifest_signed_by}, timestamped {self.timestamped_at}"
            )
        return f"package does not verify: {self.member}: {self.problem}"


def _fail(report: ArchiveReport, member: str, problem: str) -> ArchiveReport:
    report.ok, report.member, report.problem = False, member, problem
    return report


def _digest_of(archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check_signed(
    data: bytes, signature: bytes, token: bytes, trust: TrustStore
) -> tuple[TimestampInfo | None, SignatureInfo | None, str, str]:
    """(stamp, signed, token_error, signature_error): both checked, so that the caller can tell
    which of the three files was changed."""
    stamp: TimestampInfo | None = None
    signed: SignatureInfo | None = None
    token_error = signature_error = ""
    try:
        stamp = verify_timestamp(token, data, trust=trust)
    except SigningError as error:
        token_error = str(error)
    try:
        signed = verify_detached(
            signature, data, trust=trust, at=stamp.generated_at if stamp else None
        )
        if signed.identity.kind != "service":
            signature_error = f"signed by {signed.identity.name}, not by the platform"
    except SigningError as error:
        signature_error = str(error)
    return stamp, signed, token_error, signature_error


def _blame(name: str, token_error: str, signature_error: str) -> tuple[str, str]:
    """Both failing means the signed file changed; one failing names that file."""
    if token_error and signature_error:
        return name, f"neither its signature nor its timestamp matches it ({signature_error})"
    if token_error:
        return f"{name}.tsr", f"the timestamp token does not verify: {token_error}"
    return f"{name}.p7s", f"the signature does not verify: {signature_error}"


def _verify(archive: zipfile.ZipFile, trust: TrustStore, report: ArchiveReport) -> ArchiveReport:
    names = set(archive.namelist())
    for required in (MANIFEST, MANIFEST_SIGNATURE, MANIFEST_TIMESTAMP):
        if required not in names:
            return _fail(report, required, "missing from the package")
    data = archive.read(MANIFEST)
    stamp, signed, token_error, signature_error = _check_signed(
        data, archive.read(MANIFEST_SIGNATURE), archive.read(MANIFEST_TIMESTAMP), trust
    )
    # Each of the two is None only with its error set.
    if token_error or signature_error or stamp is None or signed is None:
        return _fail(report, *_blame(MANIFEST, token_error, signature_error))
    report.checks.append("manifest signature and timestamp")
    report.manifest_signed_by = signed.identity.name
    report.timestamped_at = stamp.generated_at.isoformat()
    manifest = json.loads(data)
    if manifest.get("format") != FORMAT:
        return _fail(report, MANIFEST, f"unknown format {manifest.get('format')!r}")
    report.tender = manifest.get("tender", "")
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for name in archive.namelist():
        if name not in listed and name not in (MANIFEST, MANIFEST_SIGNATURE, MANIFEST_TIMESTAMP):
            return _fail(report, name, "not listed in the manifest")
    for entry in manifest["files"]:
        name = entry["name"]
        if name not in names:
            return _fail(report, name, "listed in the manifest, missing from the package")
        try:
            size, digest = _digest_of(archive, name)
        except (zlib.error, EOFError) as error:
            # A changed byte inside a deflated member may break the stream before the CRC.
            return _fail(report, name, f"cannot be decompressed: {error}")
        if digest != entry["sha256"] or size != entry["size"]:
            return _fail(
                report,
                name,
                (
                    f"SHA-256 {digest} (size {size}) does not match the manifest's "
                    f"{entry['sha256']} (size {entry['size']})"
                ),
            )
        report.files_checked += 1
    report.checks.append("file digests")
    # Each notice and letter also carries its own signature and token, checkable alone.
    for name in sorted(listed):
        if name.startswith(("notices/", "letters/")) and name.endswith(".json"):
            _, _, token_error, signature_error = _check_signed(
                archive.read(name),
                archive.read(f"{name}.p7s"),
                archive.read(f"{name}.tsr"),
                trust,
            )
            if token_error or signature_error:
                return _fail(report, *_blame(name, token_error, signature_error))
    report.checks.append("notice and letter signatures")
    with archive.open("events.jsonl") as lines:
        for number, line in enumerate(lines, start=1):
            event = json.loads(line)
            fields = {name: event[name] for name in CHAINED_FIELDS}
            if canonical_digest(event["payload"]) != event["payload_digest"]:
                return _fail(report, "events.jsonl", f"line {number}: payload digest")
            if hashlib.sha256(canonical_json(fields)).hexdigest() != event["digest"]:
                return _fail(report, "events.jsonl", f"line {number}: event digest")
            sealed = event.get("sealed_identity")
            named = event["payload"].get(SEALED_IDENTITY_DIGEST)
            if (sealed is None) != (named is None) or (
                sealed is not None and canonical_digest(sealed) != named
            ):
                return _fail(report, "events.jsonl", f"line {number}: sealed identity digest")
    report.checks.append("event digests")
    report.ok = True
    return report


def archive_verify(source: str | Path | BinaryIO, *, trust: TrustStore) -> ArchiveReport:
    """Verify a package offline: the manifest's signature and token against `trust`, every
    file's size and SHA-256, each notice's and letter's signature, each event's digest.
    Returns a report naming the first problem and the member it is in."""
    report = ArchiveReport(ok=False)
    try:
        with zipfile.ZipFile(source) as archive:
            return _verify(archive, trust, report)
    except zipfile.BadZipFile as error:
        # A member whose bytes no longer match the zip's own CRC-32 names itself here.
        named = re.search(r"for file '(.+)'", str(error))
        return _fail(report, named.group(1) if named else "", f"not a readable zip: {error}")
    except (KeyError, ValueError) as error:
        return _fail(report, report.member or MANIFEST, f"malformed: {error}")


def archive_download(package: ArchivePackage, target: BinaryIO) -> None:
    """Copy a stored package into `target`, streaming."""
    storage = get_storage()
    with storage.open(bucket=storage.bucket("archive"), key=package.object_key) as chunks:
        for chunk in chunks:
            target.write(chunk)


__all__ = [
    "ArchiveError",
    "ArchiveReport",
    "archive_build",
    "archive_download",
    "archive_verify",
    "tender_archive",
]
