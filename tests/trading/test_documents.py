"""Tender documents: signed by the tenderee, obtained by bidders, who obtained them kept secret."""

import base64
import hashlib

import pytest

from accounts.models import Role
from monitoring.models import Event
from signing.cms import sign_detached
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory, days_from_now
from trading.documents import document_statement
from trading.models import DocumentDownload, Tender, TenderDocument
from trading.services import Acting, tender_publish

CONTENT = "第一章 招标公告\n第二章 投标人须知\n".encode() * 1000


@pytest.fixture
def tender(platform_ca, object_storage):
    tender = TenderFactory()
    tender.tenderee_user = MembershipFactory(
        role=Role.TENDEREE, organisation=tender.project.tenderee
    ).user
    tender_publish(acting=Acting(user=tender.tenderee_user), tender_id=tender.pk)
    # An hour later: the documents are on offer.
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.01))
    tender.refresh_from_db()
    return tender


@pytest.fixture
def tenderee_credential(certificate_authority, tender):
    organisation = tender.project.tenderee
    return certificate_authority.issue_organisation(
        name=organisation.name, uscc=organisation.uscc, key_type="ec-p256"
    )


def upload(
    client, tender, user, credential, *, name="招标文件.pdf", content=CONTENT, signed_content=None
):
    signed = signed_content or content
    statement = document_statement(
        tender_id=tender.pk,
        kind="tender_documents",
        name=name,
        size=len(signed),
        sha256=hashlib.sha256(signed).hexdigest(),
    )
    client.force_login(user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/tenders/{tender.pk}/documents",
        {
            "kind": "tender_documents",
            "name": name,
            "file": SimpleUploadedFile(name, content),
            "signature": base64.b64encode(sign_detached(statement, credential=credential)).decode(),
        },
    )


@pytest.mark.django_db
def test_a_tenderee_uploads_signed_documents(client, tender, tenderee_credential):
    response = upload(client, tender, tender.tenderee_user, tenderee_credential)

    assert response.status_code == 201, response.json()
    document = TenderDocument.objects.get()
    assert response.json()["sha256"] == hashlib.sha256(CONTENT).hexdigest() == document.sha256
    assert document.size == len(CONTENT)
    assert Event.objects.filter(action="document.uploaded").count() == 1
    listed = client.get(f"/api/v1/tenders/{tender.pk}/documents").json()
    assert [item["name"] for item in listed] == ["招标文件.pdf"]


@pytest.mark.django_db
def test_documents_signed_by_another_organisation_are_refused(
    client, tender, other_bidder_credential
):
    response = upload(client, tender, tender.tenderee_user, other_bidder_credential)
    assert response.status_code == 400
    assert response.json()["field"] == "signature"
    assert "not by the tenderee or its agent" in response.json()["message"]
    assert TenderDocument.objects.count() == 0


@pytest.mark.django_db
def test_a_statement_that_does_not_match_the_bytes_is_refused(client, tender, tenderee_credential):
    response = upload(
        client, tender, tender.tenderee_user, tenderee_credential, signed_content=b"another file"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "signature"
    assert TenderDocument.objects.count() == 0


@pytest.fixture
def document(client, tender, tenderee_credential):
    upload(client, tender, tender.tenderee_user, tenderee_credential)
    client.logout()
    return TenderDocument.objects.get()


def bidder() -> object:
    return MembershipFactory(role=Role.BIDDER, organisation=OrganisationFactory()).user


@pytest.mark.django_db
def test_a_bidder_obtains_the_documents_and_the_download_is_registered(client, document):
    user = bidder()
    client.force_login(user)
    response = client.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["X-Content-SHA256"] == document.sha256
    download = DocumentDownload.objects.get()
    assert download.user == user and download.client_ip == "127.0.0.1"


@pytest.mark.django_db
def test_documents_are_not_offered_after_their_window(client, document):
    Tender.objects.filter(pk=document.tender_id).update(documents_until=days_from_now(-0.01))
    client.force_login(bidder())
    response = client.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 403
    assert DocumentDownload.objects.count() == 0


@pytest.fixture
def obtained(client, document):
    buyers = [bidder(), bidder()]
    for user in buyers:
        client.force_login(user)
        b"".join(client.get(f"/api/v1/documents/{document.pk}/download").streaming_content)
    client.logout()
    return buyers


@pytest.mark.django_db
def test_before_the_deadline_the_tenderee_cannot_learn_who_obtained_the_documents(
    client, tender, obtained
):
    client.force_login(tender.tenderee_user)
    response = client.get(f"/api/v1/tenders/{tender.pk}/downloads")
    assert response.status_code == 403
    assert "secret until the bid deadline" in response.json()["message"]
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    for user in obtained:
        assert user.memberships.get().organisation.name not in page
    assert "Obtained the documents" not in page and "获取" not in page


@pytest.mark.django_db
def test_the_public_cannot_learn_who_obtained_the_documents(client, tender, obtained):
    assert client.get(f"/api/v1/tenders/{tender.pk}/downloads").status_code == 403
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    for user in obtained:
        assert user.memberships.get().organisation.name not in page


@pytest.mark.django_db
def test_a_bidder_sees_only_its_own_download(client, tender, obtained):
    client.force_login(obtained[0])
    rows = client.get(f"/api/v1/tenders/{tender.pk}/downloads").json()
    assert [row["uscc"] for row in rows] == [obtained[0].memberships.get().organisation.uscc]


@pytest.mark.django_db
def test_a_supervisor_sees_every_download_at_any_time(client, tender, obtained):
    client.force_login(MembershipFactory(role=Role.SUPERVISOR, organisation=None).user)
    assert len(client.get(f"/api/v1/tenders/{tender.pk}/downloads").json()) == 2


@pytest.mark.django_db
def test_after_the_deadline_the_tenderee_sees_who_obtained_the_documents(client, tender, obtained):
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=days_from_now(-0.01))
    client.force_login(tender.tenderee_user)
    assert len(client.get(f"/api/v1/tenders/{tender.pk}/downloads").json()) == 2
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert obtained[1].memberships.get().organisation.name in page


@pytest.mark.django_db
def test_the_download_event_names_neither_the_bidder_nor_the_tender(client, tender, obtained):
    """办法 第21条: the log cannot tell who obtained a tender's documents, nor how many did."""
    events = Event.objects.filter(action="document.obtained").select_related("sealed_identity")
    downloads = DocumentDownload.objects.order_by("pk")

    assert [(event.object_type, event.object_id) for event in events] == [
        ("trading.documentdownload", str(download.pk)) for download in downloads
    ]
    for event, download in zip(events, downloads, strict=True):
        assert (event.actor_id, event.actor_label, event.client_ip) == (None, "sealed", None)
        assert set(event.payload) == {"sealed_identity_sha256"}
        identity = event.sealed_identity
        assert (identity.actor_id, identity.client_ip, identity.tender_id, identity.fields) == (
            download.user_id,
            "127.0.0.1",
            str(tender.pk),
            {"document": str(download.document_id), "organisation": download.organisation.uscc},
        )
    assert not Event.objects.filter(object_id=str(tender.pk), action="document.obtained")
