"""Use cases of tender documents: upload (signed by the tenderee), registered download by
bidders, and who may see the downloads (nobody but supervisors before the deadline)."""

import uuid
from collections.abc import Iterator
from typing import BinaryIO
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, RoleMembership
from accounts.selectors import user_has_role
from monitoring.clock import database_now
from monitoring.services import Sealed, record_event
from signing.canonical import canonical_json
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.errors import SigningError
from storage.objects import get_storage
from trading.models import DocumentDownload, DocumentKind, Tender, TenderDocument, TenderState
from trading.selectors import user_manages_project
from trading.services import Acting, TenderInvalid, manager_role

MAXIMUM_NAME_LENGTH = 200


def document_statement(*, tender_id: UUID, kind: str, name: str, size: int, sha256: str) -> bytes:
    """The bytes the tenderee signs for a document: what it is, for which tender, its digest."""
    return canonical_json(
        {
            "purpose": "tender-document",
            "tender_id": str(tender_id),
            "kind": kind,
            "name": name,
            "size": size,
            "sha256": sha256,
        }
    )


def document_upload(
    *,
    acting: Acting,
    tender_id: UUID,
    kind: str,
    name: str,
    stream: BinaryIO,
    statement_signature: bytes,
) -> TenderDocument:
    """Store the file (streamed), check the tenderee's signed statement, then record it.

    The bytes go to storage first, outside any transaction (a long upload must not hold locks);
    if anything after that fails, the stored object is removed, so nothing is half-written.
    """
    tender = Tender.objects.select_related("project").get(pk=tender_id)
    role = manager_role(acting, tender.project)
    if kind not in DocumentKind.values:
        raise TenderInvalid({"kind": _("unknown document kind %(kind)s") % {"kind": kind}})
    if not name or len(name) > MAXIMUM_NAME_LENGTH or "/" in name or "\\" in name:
        raise TenderInvalid({"name": _("a file name of 1 to 200 characters, without slashes")})
    if tender.state not in (TenderState.DRAFT, TenderState.PUBLISHED):
        raise TenderInvalid({"tender": _("documents can be added only before the deadline")})
    document_id = uuid.uuid4()
    storage = get_storage()
    bucket, key = storage.bucket("documents"), f"tenders/{tender.pk}/documents/{document_id}"
    stored = storage.put_stream(bucket=bucket, key=key, stream=stream)
    try:
        statement = document_statement(
            tender_id=tender.pk, kind=kind, name=name, size=stored.size, sha256=stored.sha256
        )
        try:
            signature = verify_detached(
                statement_signature,
                statement,
                trust=platform_trust_store(),
                at=database_now(),
            )
        except SigningError as error:
            raise TenderInvalid({"signature": str(error)}) from None
        own = {tender.project.tenderee.uscc}
        if tender.project.agent_id:
            own.add(tender.project.agent.uscc)
        if signature.identity.uscc not in own:
            raise TenderInvalid(
                {
                    "signature": _(
                        "the statement is signed by %(signer)s, not by the tenderee or its agent"
                    )
                    % {"signer": signature.identity.uscc or signature.identity.name}
                }
            )
        with transaction.atomic():
            document = TenderDocument.objects.create(
                id=document_id,
                tender=tender,
                kind=kind,
                name=name,
                size=stored.size,
                sha256=stored.sha256,
                object_key=key,
                statement_signature=statement_signature,
                signer_certificate_sha256=signature.identity.certificate_sha256,
                uploaded_by=acting.user,
                uploaded_at=database_now(),
            )
            record_event(
                actor=acting.as_actor(role),
                action="document.uploaded",
                object_type="trading.tender",
                object_id=str(tender.pk),
                payload={
                    "document": str(document_id),
                    "kind": kind,
                    "name": name,
                    "size": stored.size,
                    "sha256": stored.sha256,
                },
            )
    except BaseException:
        storage.delete(bucket=bucket, key=key)
        raise
    return document


def document_obtain(*, acting: Acting, document_id: UUID) -> TenderDocument:
    """A bidder obtains a document while the tender offers them; the download is recorded.

    Stream its bytes with `document_chunks`."""
    document = TenderDocument.objects.select_related("tender").get(pk=document_id)
    tender = document.tender
    membership = (
        RoleMembership.objects.filter(user=acting.user, role=Role.BIDDER)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        raise PermissionDenied(_("only a bidder obtains tender documents"))
    # A bidder's membership always names its organisation (the database constraint
    # role_membership_organisation_matches_role).
    assert membership.organisation is not None
    now = database_now()
    offered = (
        tender.state == TenderState.PUBLISHED
        and tender.documents_from is not None
        and tender.documents_from <= now
        and tender.documents_until is not None
        and now <= tender.documents_until
    )
    if not offered:
        raise PermissionDenied(_("the tender documents are not offered now"))
    with transaction.atomic():
        download = DocumentDownload.objects.create(
            tender=tender,
            document=document,
            organisation=membership.organisation,
            user=acting.user,
            downloaded_at=now,
            client_ip=acting.client_ip,
        )
        # Who obtained the documents, and how many did, is secret until the deadline (办法 第21条):
        # the event is on the download, and the tender, document and bidder are sealed.
        record_event(
            actor=acting.as_actor(Role.BIDDER),
            action="document.obtained",
            object_type="trading.documentdownload",
            object_id=str(download.pk),
            sealed=Sealed(
                tender_id=str(tender.pk),
                fields={
                    "document": str(document.pk),
                    "organisation": membership.organisation.uscc,
                },
            ),
        )
    return document


def document_chunks(document: TenderDocument) -> Iterator[bytes]:
    """The document's bytes from storage; the connection is released when iteration ends."""
    storage = get_storage()
    with storage.open(bucket=storage.bucket("documents"), key=document.object_key) as chunks:
        yield from chunks


def document_downloads_visible(*, acting: Acting, tender: Tender) -> QuerySet[DocumentDownload]:
    """Who obtained the documents, for those allowed to know.

    Before the deadline nobody may learn who obtained them nor how many (办法 第二十一条):
    supervisors see all (each such read logged), a bidder only its own; the tenderee and agent
    nothing until then.
    """
    downloads = (
        DocumentDownload.objects.filter(tender=tender)
        .select_related("organisation", "document")
        .order_by("downloaded_at")
    )
    user = acting.user
    if user_has_role(user=user, role=Role.SUPERVISOR):
        if tender.bid_deadline is None or database_now() < tender.bid_deadline:
            # A supervisor's read of what is still secret is itself an event (DESIGN §3). It
            # names the tender, never how many obtained the documents: a count would tell.
            with transaction.atomic():
                record_event(
                    actor=acting.as_actor(Role.SUPERVISOR),
                    action="document_downloads.read",
                    object_type="trading.tender",
                    object_id=str(tender.pk),
                )
        return downloads
    if user_manages_project(user=user, project=tender.project):
        if tender.bid_deadline is not None and database_now() >= tender.bid_deadline:
            return downloads
        raise PermissionDenied(
            _(
                "who obtained the tender documents stays secret until the bid deadline "
                "(电子招标投标办法 第二十一条)"
            )
        )
    own = RoleMembership.objects.filter(user=user, role=Role.BIDDER).values("organisation")
    if own.exists():
        return downloads.filter(organisation__in=own)
    raise PermissionDenied(_("you may not see who obtained the tender documents"))
